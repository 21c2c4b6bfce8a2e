-- One row per invoice, cancelled ones included (listed with their status, pending 0). Pending is
-- the balance (billing.rules): net of what was paid and of credit notes. The stored
-- status column is only as fresh as the last write or overdue sweep, so the status shown and
-- days_overdue are derived by reports.selectors.invoice_detail_list with the same rule as
-- billing.querysets, with local_today() (settings.TIME_ZONE) bound as a parameter.
-- LEFT JOINs on primary keys: a query that needs no names (a count) skips them.
CREATE VIEW reports_invoice_details AS
SELECT
    i.id,
    i.number,
    i.school_id,
    sc.name AS school_name,
    i.student_id,
    TRIM(s.first_name || ' ' || s.last_name) AS student_name,
    s.grade,
    i.amount,
    i.paid_amount,
    i.credited_amount,
    -- CAST: a computed column has no type affinity in SQLite and would compare as text.
    CAST(CASE WHEN i.status = 'CANCELLED' THEN 0 ELSE i.amount - (i.paid_amount + i.credited_amount) END AS NUMERIC)
        AS pending_amount,
    i.due_date,
    i.status,
    i.description,
    i.created_at
FROM billing_invoice i
LEFT JOIN students_student s ON s.id = i.student_id
LEFT JOIN schools_school sc ON sc.id = i.school_id;
