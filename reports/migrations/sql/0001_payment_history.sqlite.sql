-- One row per payment with its invoice, student and school.
CREATE VIEW reports_payment_history AS
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
    sc.name AS school_name,
    i.student_id,
    TRIM(s.first_name || ' ' || s.last_name) AS student_name
FROM billing_payment p
LEFT JOIN billing_invoice i ON i.id = p.invoice_id
LEFT JOIN students_student s ON s.id = i.student_id
LEFT JOIN schools_school sc ON sc.id = p.school_id;
