-- Every open invoice (not cancelled, something still owed after payments and credit notes): the candidates for collection. Which of
-- them are overdue, by how many days and in which aging bucket depends on "today" in
-- settings.TIME_ZONE, which a view cannot take as a parameter (and the database session's date
-- is the server's). reports.selectors.overdue_invoice_list keeps due_date < local_today() and
-- computes days_overdue and the bucket from due_date, so the report is right before the nightly
-- sweep has stored OVERDUE.
CREATE VIEW reports_overdue_invoices AS
SELECT
    i.id,
    i.number,
    i.school_id,
    sc.name AS school_name,
    i.student_id,
    TRIM(s.first_name || ' ' || s.last_name) AS student_name,
    s.email AS student_email,
    s.grade,
    i.amount,
    i.paid_amount,
    i.credited_amount,
    -- CAST: a computed column has no type affinity in SQLite and would compare as text.
    CAST(i.amount - (i.paid_amount + i.credited_amount) AS NUMERIC) AS pending_amount,
    i.due_date,
    i.description
FROM billing_invoice i
LEFT JOIN students_student s ON s.id = i.student_id
LEFT JOIN schools_school sc ON sc.id = i.school_id
WHERE i.status <> 'CANCELLED' AND (i.paid_amount + i.credited_amount) < i.amount;
