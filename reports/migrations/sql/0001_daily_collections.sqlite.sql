-- One row per school and payment date; see the PostgreSQL variant.
CREATE VIEW reports_daily_collections AS
SELECT
    d.school_id || ':' || d.collection_date AS id,
    d.school_id,
    sc.name AS school_name,
    d.collection_date,
    d.payment_count,
    CAST(d.total_amount AS NUMERIC) AS total_amount
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
