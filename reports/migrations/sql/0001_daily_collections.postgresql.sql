-- One row per school and date: how many payments came in that day, and the money collected net of
-- reversals: a payment counts on its own date, and a reversed one is subtracted on the date of its
-- reversal (so a closed day's figure never changes). Summed before the school's name is joined,
-- so a filter on school_id or date narrows the scan itself.
CREATE OR REPLACE VIEW reports_daily_collections AS
SELECT
    d.school_id::text || ':' || d.collection_date::text AS id,
    d.school_id,
    sc.name AS school_name,
    d.collection_date,
    d.payment_count,
    d.total_amount
FROM (
    SELECT m.school_id, m.collection_date, SUM(m.payment_count)::bigint AS payment_count,
        SUM(m.amount) AS total_amount
    FROM (
        SELECT p.school_id, p.payment_date AS collection_date, COUNT(*) AS payment_count, SUM(p.amount) AS amount
        FROM billing_payment p
        GROUP BY p.school_id, p.payment_date
        UNION ALL
        SELECT r.school_id, r.reversal_date, 0, -SUM(p.amount)
        FROM billing_paymentreversal r JOIN billing_payment p ON p.id = r.payment_id
        GROUP BY r.school_id, r.reversal_date
    ) m
    GROUP BY m.school_id, m.collection_date
) d
LEFT JOIN schools_school sc ON sc.id = d.school_id;
