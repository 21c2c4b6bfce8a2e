-- One row per payment with its invoice, student and school.
-- A payment carries its invoice's school (billing.services copies it; neither ever changes), so
-- the join states it too: filtered by school, PostgreSQL then reads that school's invoices only
-- instead of hashing the whole invoice table. Names come from scalar subqueries, evaluated after
-- ORDER BY and LIMIT, for the rows of the page only.
CREATE OR REPLACE VIEW reports_payment_history AS
SELECT
    p.id,
    p.number,
    p.payment_date,
    p.amount,
    p.method,
    p.reference,
    p.created_at,
    p.invoice_id,
    i.number AS invoice_number,
    i.amount AS invoice_amount,
    i.due_date AS invoice_due_date,
    p.school_id,
    (SELECT sc.name FROM schools_school sc WHERE sc.id = p.school_id) AS school_name,
    i.student_id,
    (SELECT TRIM(s.first_name || ' ' || s.last_name) FROM students_student s WHERE s.id = i.student_id)
        AS student_name
FROM billing_payment p
LEFT JOIN billing_invoice i ON i.id = p.invoice_id AND i.school_id = p.school_id;
