-- One row per school and calendar month; see the PostgreSQL variant for the rules.
CREATE VIEW reports_monthly_revenue AS
SELECT
    m.school_id || ':' || strftime('%Y-%m', m.month_start) AS id,
    m.school_id,
    sc.name AS school_name,
    m.month_start,
    strftime('%Y-%m', m.month_start) AS month,
    SUM(m.invoice_count) AS invoice_count,
    CAST(SUM(m.total_invoiced) AS NUMERIC) AS total_invoiced,
    SUM(m.payment_count) AS payment_count,
    CAST(SUM(m.total_collected) AS NUMERIC) AS total_collected
FROM (
    SELECT
        i.school_id,
        date(i.due_date, 'start of month') AS month_start,
        COUNT(*) AS invoice_count,
        SUM(i.amount) AS total_invoiced,
        0 AS payment_count,
        0 AS total_collected
    FROM billing_invoice i
    WHERE i.status <> 'CANCELLED'
    GROUP BY 1, 2
    UNION ALL
    SELECT
        p.school_id,
        date(p.payment_date, 'start of month') AS month_start,
        0 AS invoice_count,
        0 AS total_invoiced,
        COUNT(*) AS payment_count,
        SUM(p.amount) AS total_collected
    FROM billing_payment p
    GROUP BY 1, 2
    UNION ALL
    SELECT
        r.school_id,
        date(r.reversal_date, 'start of month') AS month_start,
        0 AS invoice_count,
        0 AS total_invoiced,
        0 AS payment_count,
        -SUM(p.amount) AS total_collected
    FROM billing_paymentreversal r JOIN billing_payment p ON p.id = r.payment_id
    GROUP BY 1, 2
) m
LEFT JOIN schools_school sc ON sc.id = m.school_id
GROUP BY m.school_id, sc.name, m.month_start;
