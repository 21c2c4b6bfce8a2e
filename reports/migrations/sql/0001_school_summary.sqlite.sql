-- One row per school; see the PostgreSQL variant for the rules. SQLite sums money as floating
-- point, so the collection rate is computed on whole cents with integer arithmetic (rounded half
-- up, like PostgreSQL's ROUND on numeric) to give the same two decimals. Computed columns are
-- CAST to NUMERIC so filters compare them as numbers (see reports_student_balance).
CREATE VIEW reports_school_summary AS
SELECT
    t.school_id,
    t.school_name,
    t.is_active,
    t.students_total,
    t.students_active,
    t.invoice_count,
    CAST(t.total_invoiced AS NUMERIC) AS total_invoiced,
    CAST(t.total_collected AS NUMERIC) AS total_collected,
    CAST(t.total_invoiced - t.total_collected - t.total_credited AS NUMERIC) AS total_pending,
    CASE WHEN t.invoiced_cents > 0
        THEN CAST(((t.collected_cents * 20000 + t.invoiced_cents) / (2 * t.invoiced_cents)) / 100.0 AS NUMERIC)
    END AS collection_rate
FROM (
    SELECT
        sc.id AS school_id,
        sc.name AS school_name,
        sc.is_active,
        (SELECT COUNT(*) FROM students_student s WHERE s.school_id = sc.id) AS students_total,
        (SELECT COUNT(*) FROM students_student s WHERE s.school_id = sc.id AND s.is_active)
            AS students_active,
        COALESCE(inv.invoice_count, 0) AS invoice_count,
        COALESCE(inv.total_invoiced, 0) AS total_invoiced,
        COALESCE(inv.total_collected, 0) AS total_collected,
        COALESCE(inv.total_credited, 0) AS total_credited,
        CAST(ROUND(COALESCE(inv.total_invoiced, 0) * 100) AS INTEGER) AS invoiced_cents,
        CAST(ROUND(COALESCE(inv.total_collected, 0) * 100) AS INTEGER) AS collected_cents
    FROM schools_school sc
    LEFT JOIN (
        SELECT
            i.school_id,
            COUNT(*) AS invoice_count,
            SUM(i.amount) AS total_invoiced,
            SUM(i.paid_amount) AS total_collected,
            SUM(i.credited_amount) AS total_credited
        FROM billing_invoice i
        WHERE i.status <> 'CANCELLED'
        GROUP BY i.school_id
    ) inv ON inv.school_id = sc.id
) t;
