-- Pending is the balance (billing.rules): net of payments and credit notes.
-- One row per student; see the PostgreSQL variant for the rules. SQLite has no LATERAL or
-- FILTER on every version we support, so this is the plain grouped join. Computed columns are
-- CAST to NUMERIC: without a type affinity SQLite compares them with Django's (text) decimal
-- parameters as text, and `total_pending >= 100` would silently match nothing.
CREATE VIEW reports_student_balance AS
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
    COUNT(i.id) AS invoice_count,
    CAST(COALESCE(SUM(i.amount), 0) AS NUMERIC) AS total_invoiced,
    CAST(COALESCE(SUM(i.paid_amount), 0) AS NUMERIC) AS total_paid,
    CAST(COALESCE(SUM(i.amount - (i.paid_amount + i.credited_amount)), 0) AS NUMERIC) AS total_pending,
    MIN(CASE WHEN (i.paid_amount + i.credited_amount) < i.amount THEN i.due_date END) AS oldest_unpaid_due_date
FROM students_student s
LEFT JOIN schools_school sc ON sc.id = s.school_id
LEFT JOIN billing_invoice i ON i.student_id = s.id AND i.status <> 'CANCELLED'
GROUP BY s.id;
