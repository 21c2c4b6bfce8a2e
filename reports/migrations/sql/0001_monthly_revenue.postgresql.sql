-- One row per school and calendar month. Invoices count in the month they fall due (the billing
-- period they charge for; cancelled ones nowhere), payments in the month they were received,
-- less reversed payments in the month of their reversal (a closed month's figure never changes).
-- Both are dates, so no time zone is involved. month_start is the first day of the month,
-- computed with date arithmetic: date_trunc() goes through timestamptz and costs several times
-- more per row, which shows on a school's whole history.
CREATE OR REPLACE VIEW reports_monthly_revenue AS
SELECT
    m.school_id::text || ':' || to_char(m.month_start, 'YYYY-MM') AS id,
    m.school_id,
    sc.name AS school_name,
    m.month_start,
    to_char(m.month_start, 'YYYY-MM') AS month,
    SUM(m.invoice_count)::bigint AS invoice_count,
    SUM(m.total_invoiced) AS total_invoiced,
    SUM(m.payment_count)::bigint AS payment_count,
    SUM(m.total_collected) AS total_collected
FROM (
    SELECT
        i.school_id,
        i.due_date - (date_part('day', i.due_date)::integer - 1) AS month_start,
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
        p.payment_date - (date_part('day', p.payment_date)::integer - 1) AS month_start,
        0 AS invoice_count,
        0 AS total_invoiced,
        COUNT(*) AS payment_count,
        SUM(p.amount) AS total_collected
    FROM billing_payment p
    GROUP BY 1, 2
    UNION ALL
    SELECT
        r.school_id,
        r.reversal_date - (date_part('day', r.reversal_date)::integer - 1) AS month_start,
        0 AS invoice_count,
        0 AS total_invoiced,
        0 AS payment_count,
        -SUM(p.amount) AS total_collected
    FROM billing_paymentreversal r JOIN billing_payment p ON p.id = r.payment_id
    GROUP BY 1, 2
) m
LEFT JOIN schools_school sc ON sc.id = m.school_id
GROUP BY m.school_id, sc.name, m.month_start;
