-- Every open invoice (not cancelled, something still owed after payments and credit notes): the candidates for collection. Which of
-- them are overdue, by how many days and in which aging bucket depends on "today" in
-- settings.TIME_ZONE, which a view cannot take as a parameter (and the database session's date
-- is the server's). reports.selectors.overdue_invoice_list keeps due_date < local_today() and
-- computes days_overdue and the bucket from due_date, so the report is right before the nightly
-- sweep has stored OVERDUE.
-- Names come from scalar subqueries: evaluated after ORDER BY and LIMIT, for the page only.
CREATE OR REPLACE VIEW reports_overdue_invoices AS
SELECT
    i.id,
    i.number,
    i.school_id,
    (SELECT sc.name FROM schools_school sc WHERE sc.id = i.school_id) AS school_name,
    i.student_id,
    (SELECT TRIM(s.first_name || ' ' || s.last_name) FROM students_student s WHERE s.id = i.student_id)
        AS student_name,
    (SELECT s.email FROM students_student s WHERE s.id = i.student_id) AS student_email,
    (SELECT s.grade FROM students_student s WHERE s.id = i.student_id) AS grade,
    i.amount,
    i.paid_amount,
    i.credited_amount,
    i.amount - (i.paid_amount + i.credited_amount) AS pending_amount,
    i.due_date,
    i.description
FROM billing_invoice i
WHERE i.status <> 'CANCELLED' AND (i.paid_amount + i.credited_amount) < i.amount;
