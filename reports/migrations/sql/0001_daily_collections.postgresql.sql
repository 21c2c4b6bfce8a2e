-- One row per school and payment date: how many payments came in and their sum. Summed before
-- the school's name is joined, so a filter on school_id or date narrows the scan itself.
CREATE OR REPLACE VIEW reports_daily_collections AS
SELECT
    d.school_id::text || ':' || d.collection_date::text AS id,
    d.school_id,
    sc.name AS school_name,
    d.collection_date,
    d.payment_count,
    d.total_amount
FROM (
    SELECT
        p.school_id,
        p.payment_date AS collection_date,
        COUNT(*) AS payment_count,
        SUM(p.amount) AS total_amount
    FROM billing_payment p
    GROUP BY p.school_id, p.payment_date
) d
LEFT JOIN schools_school sc ON sc.id = d.school_id;
