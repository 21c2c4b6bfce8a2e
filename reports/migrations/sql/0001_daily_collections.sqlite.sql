-- One row per school and date, collected net of reversals; see the PostgreSQL variant.
CREATE VIEW reports_daily_collections AS
SELECT
    d.school_id || ':' || d.collection_date AS id,
    d.school_id,
    sc.name AS school_name,
    d.collection_date,
    d.payment_count,
    CAST(d.total_amount AS NUMERIC) AS total_amount
FROM (
    SELECT m.school_id, m.collection_date, SUM(m.payment_count) AS payment_count,
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
