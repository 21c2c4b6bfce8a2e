-- One row per invoice, cancelled ones included (listed with their status, pending 0). Pending is
-- the balance (billing.rules): net of what was paid and of credit notes. The stored
-- status column is only as fresh as the last write or overdue sweep, so the status shown and
-- days_overdue are derived by reports.selectors.invoice_detail_list with the same rule as
-- billing.querysets, with local_today() (settings.TIME_ZONE) bound as a parameter.
-- Names come from scalar subqueries rather than joins: PostgreSQL evaluates them after ORDER BY
-- and LIMIT, for the rows of the page only, instead of hashing every student first.
CREATE OR REPLACE VIEW reports_invoice_details AS
SELECT
    i.id,
    i.number,
    i.school_id,
    (SELECT sc.name FROM schools_school sc WHERE sc.id = i.school_id) AS school_name,
    i.student_id,
    (SELECT TRIM(s.first_name || ' ' || s.last_name) FROM students_student s WHERE s.id = i.student_id)
        AS student_name,
    (SELECT s.grade FROM students_student s WHERE s.id = i.student_id) AS grade,
    i.amount,
    i.paid_amount,
    i.credited_amount,
    CASE WHEN i.status = 'CANCELLED' THEN 0 ELSE i.amount - (i.paid_amount + i.credited_amount) END AS pending_amount,
    i.due_date,
    i.status,
    i.description,
    i.created_at
FROM billing_invoice i;
