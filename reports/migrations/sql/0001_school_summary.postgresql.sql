-- One row per school. Pending is net of credit notes; collected is what the payments that stand
-- (not reversed) paid on the counted invoices. Cancelled invoices count in no figure; collected is what was paid on the
-- counted invoices (a cancelled invoice never has payments). collection_rate is collected as a
-- percentage of invoiced, NULL when nothing was invoiced. The overdue amount depends on "today"
-- and is added by reports.selectors.school_summary_list (see reports_student_balance).
-- LATERAL: a query for one school sums only that school's rows.
CREATE OR REPLACE VIEW reports_school_summary AS
SELECT
    sc.id AS school_id,
    sc.name AS school_name,
    sc.is_active,
    st.students_total,
    st.students_active,
    inv.invoice_count,
    inv.total_invoiced,
    inv.total_collected,
    inv.total_invoiced - inv.total_collected - inv.total_credited AS total_pending,
    CASE WHEN inv.total_invoiced > 0
        THEN ROUND(inv.total_collected * 100 / inv.total_invoiced, 2)
    END AS collection_rate
FROM schools_school sc
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS students_total,
        COUNT(*) FILTER (WHERE s.is_active) AS students_active
    FROM students_student s
    WHERE s.school_id = sc.id
) st
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS invoice_count,
        COALESCE(SUM(i.amount), 0) AS total_invoiced,
        COALESCE(SUM(i.paid_amount), 0) AS total_collected,
        COALESCE(SUM(i.credited_amount), 0) AS total_credited
    FROM billing_invoice i
    WHERE i.school_id = sc.id AND i.status <> 'CANCELLED'
) inv;
