-- Pending is the balance (billing.rules): net of payments and credit notes.
-- One row per student (students without invoices included, at zero). Cancelled invoices count in
-- no figure. Nothing here depends on "today": the overdue amount is added by
-- reports.selectors.student_balance_list with local_today() (settings.TIME_ZONE) bound as a
-- parameter, because a view has no parameters and the session's date is the server's, not the
-- school's. oldest_unpaid_due_date < today is exactly "has something overdue".
-- LATERAL: filtered by school and paged by name, only the students on the page are summed.
CREATE OR REPLACE VIEW reports_student_balance AS
SELECT
    s.id AS student_id,
    s.school_id,
    sc.name AS school_name,
    s.first_name,
    s.last_name,
    TRIM(s.first_name || ' ' || s.last_name) AS student_name,
    s.email AS student_email,
    s.grade,
    s.is_active,
    b.invoice_count,
    b.total_invoiced,
    b.total_paid,
    b.total_pending,
    b.oldest_unpaid_due_date
FROM students_student s
LEFT JOIN schools_school sc ON sc.id = s.school_id
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS invoice_count,
        COALESCE(SUM(i.amount), 0) AS total_invoiced,
        COALESCE(SUM(i.paid_amount), 0) AS total_paid,
        COALESCE(SUM(i.amount - (i.paid_amount + i.credited_amount)), 0) AS total_pending,
        MIN(i.due_date) FILTER (WHERE (i.paid_amount + i.credited_amount) < i.amount) AS oldest_unpaid_due_date
    FROM billing_invoice i
    WHERE i.student_id = s.id AND i.status <> 'CANCELLED'
) b;
