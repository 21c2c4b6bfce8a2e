# ruff: noqa: E501  (a translation table reads best one entry per line)
"""Fill locale/es/LC_MESSAGES/django.po from the table below, then compile it.

Run after `manage.py makemessages -l es` (needs gettext); `make messages` does both. Entries not in
the table stay untranslated (English) and are listed, so a missing translation is visible.
"""

import re
import subprocess
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent / "es" / "LC_MESSAGES" / "django.po"

ES = {
    # back office
    "Back office": "Back office",
    ("invoice status", "Pending"): "Pendiente",
    ("invoice status", "Partial"): "Parcial",
    ("invoice status", "Paid"): "Pagada",
    ("invoice status", "Overdue"): "Vencida",
    ("invoice status", "Cancelled"): "Cancelada",
    "Invoiced": "Facturado",
    "Collected": "Cobrado",
    "%(bucket)s days": "%(bucket)s días",
    "%(count)s invoices": "%(count)s facturas",
    "The payment exceeds the pending amount of this invoice.": "El pago excede el saldo pendiente de esta factura.",
    "The amount must be greater than zero.": "El importe debe ser mayor que cero.",
    "Unknown payment method.": "Método de pago desconocido.",
    "This invoice is cancelled.": "Esta factura está cancelada.",
    "This invoice is already paid.": "Esta factura ya está pagada.",
    "An invoice with payments cannot be cancelled.": "Una factura con pagos no se puede cancelar.",
    "The amount cannot be lower than what has already been paid.":
        "El importe no puede ser menor que lo ya pagado.",
    "This student is inactive; invoices cannot be issued to them.":
        "Este alumno está inactivo; no se le pueden emitir facturas.",
    "This school is inactive; reactivate it before enrolling students.":
        "Esta escuela está inactiva; reactívela antes de inscribir alumnos.",
    "School billing": "Cobranza escolar",
    "Collections dashboard": "Tablero de cobranza",
    "Overdue sweep done: %(count)d invoice(s) marked overdue (%(detail)s).":
        "Barrido de vencidos terminado: %(count)d factura(s) marcada(s) como vencida(s) (%(detail)s).",
    "Overdue sweep done: every status was already up to date.":
        "Barrido de vencidos terminado: todos los estados ya estaban al día.",
    "Overdue sweep": "Barrido de vencidos",
    "Amount": "Importe",
    "Method": "Método",
    "Payment date": "Fecha de pago",
    "Empty: today.": "Vacío: hoy.",
    "Reference": "Referencia",
    "A payment cannot be dated in the future.": "Un pago no puede tener fecha futura.",
    "status": "estado",
    "days overdue": "días de atraso",
    "Any overdue": "Cualquier atraso",
    "Not overdue": "Sin atraso",
    "due date": "fecha de vencimiento",
    "Already due": "Ya vencidas",
    "Today": "Hoy",
    "Next 7 days": "Próximos 7 días",
    "This month": "Este mes",
    "Next month": "Mes próximo",
    "Later": "Más adelante",
    "Search by invoice number, student name or email.":
        "Busque por número de factura, nombre del alumno o correo.",
    "Student": "Alumno",
    "Paid": "Pagado",
    "Pending": "Pendiente",
    "Status": "Estado",
    "Cancel selected invoices": "Cancelar las facturas seleccionadas",
    "Your role in this school does not allow it.": "Su rol en esta escuela no lo permite.",
    "Cancelled %(count)d invoice(s): %(numbers)s.": "Se cancelaron %(count)d factura(s): %(numbers)s.",
    "%(number)s was not cancelled: %(reason)s": "%(number)s no se canceló: %(reason)s",
    "Export selected invoices to CSV": "Exportar las facturas seleccionadas a CSV",
    "Number": "Número",
    "School": "Escuela",
    "Email": "Correo",
    "Due date": "Vencimiento",
    "Description": "Descripción",
    "Payment {number} registered. The invoice is now {status}. <a href=\"{url}\">Print the receipt</a>.":
        "Pago {number} registrado. La factura ahora está {status}. <a href=\"{url}\">Imprimir el recibo</a>.",
    "The payment exceeds the pending amount: at most %(pending)s can be paid.":
        "El pago excede el saldo pendiente: se pueden pagar como máximo %(pending)s.",
    "Search by receipt number, reference, invoice number or student.":
        "Busque por número de recibo, referencia, número de factura o alumno.",
    "Invoice": "Factura",
    "Receipt": "Recibo",
    "Print": "Imprimir",
    "Receipt %(number)s": "Recibo %(number)s",
    "Cash": "Efectivo",
    "Bank transfer": "Transferencia bancaria",
    "Credit card": "Tarjeta de crédito",
    "Debit card": "Tarjeta de débito",
    "Check": "Cheque",
    "Other": "Otro",
    "number": "número",
    "school": "escuela",
    "student": "alumno",
    "amount": "importe",
    "paid amount": "importe pagado",
    "description": "descripción",
    "created by": "creada por",
    "invoice": "factura",
    "invoices": "facturas",
    "receipt number": "número de recibo",
    "payment date": "fecha de pago",
    "method": "método",
    "reference": "referencia",
    "registered by": "registrado por",
    "payment": "pago",
    "payments": "pagos",
    "name": "nombre",
    "address": "dirección",
    "phone": "teléfono",
    "email": "correo",
    "active": "activo",
    "schools": "escuelas",
    "balance": "saldo",
    "Owes something": "Debe algo",
    "Has overdue debt": "Tiene deuda vencida",
    "Nothing due": "Sin adeudo",
    "From": "Desde",
    "To": "Hasta",
    "Paper": "Papel",
    "Letter": "Carta",
    "The start of the period is after its end.": "El inicio del periodo es posterior a su fin.",
    "Search by name or email.": "Busque por nombre o correo.",
    "Pending balance": "Saldo pendiente",
    "Overdue": "Vencido",
    "Statement": "Estado de cuenta",
    "Account statement · %(name)s": "Estado de cuenta · %(name)s",
    "Everything": "Todo",
    "This year": "Este año",
    "Last year": "Año pasado",
    "first name": "nombre",
    "last name": "apellidos",
    "grade": "grado",
    "enrolled on": "inscrito el",
    "students": "alumnos",
    ("%(n)s school", "All %(n)s schools"): ("%(n)s escuela", "Las %(n)s escuelas"),
    "figures as of %(day)s": "cifras al %(day)s",
    "All my schools": "Todas mis escuelas",
    "Show": "Mostrar",
    "Overdue invoices": "Facturas vencidas",
    "Key figures": "Cifras clave",
    "Invoiced this month": "Facturado este mes",
    "Last month": "Mes anterior",
    ("%(n)s invoice due this month", "%(n)s invoices due this month"):
        ("%(n)s factura vence este mes", "%(n)s facturas vencen este mes"),
    "Collected this month": "Cobrado este mes",
    ("%(n)s payment", "%(n)s payments"): ("%(n)s pago", "%(n)s pagos"),
    "%(rate)s %% of this month's billing": "%(rate)s %% de lo facturado este mes",
    "Unpaid, due this month": "Sin pagar, vence este mes",
    "Unpaid, due last month": "Sin pagar, venció el mes anterior",
    "At the start of the month": "Al inicio del mes",
    ("%(n)s invoice", "%(n)s invoices"): ("%(n)s factura", "%(n)s facturas"),
    ("%(n)s student", "%(n)s students"): ("%(n)s alumno", "%(n)s alumnos"),
    "%(share)s %% of the pending balance": "%(share)s %% del saldo pendiente",
    "Monthly revenue, last 12 months": "Ingresos mensuales, últimos 12 meses",
    "Invoiced and collected per month": "Facturado y cobrado por mes",
    "No invoices or payments in the last 12 months.": "Sin facturas ni pagos en los últimos 12 meses.",
    "Aging of overdue debt": "Antigüedad de la deuda vencida",
    "Overdue debt by days past due": "Deuda vencida por días de atraso",
    "Nothing is overdue.": "Nada está vencido.",
    "Daily collections, last 30 days": "Cobranza diaria, últimos 30 días",
    "Payments received per day": "Pagos recibidos por día",
    "No payments in the last 30 days.": "Sin pagos en los últimos 30 días.",
    "Top debtors": "Principales deudores",
    "Account statement": "Estado de cuenta",
    ("%(amount)s overdue, %(days)s day", "%(amount)s overdue, %(days)s days"):
        ("%(amount)s vencido, %(days)s día", "%(amount)s vencido, %(days)s días"),
    "No one owes anything.": "Nadie debe nada.",
    "You have no school memberships yet: ask a platform administrator to add you to your school.":
        "Aún no pertenece a ninguna escuela: pida a un administrador de la plataforma que lo agregue a la suya.",
    "Home": "Inicio",
    "The overdue sweep records the status OVERDUE on every unpaid invoice whose due date is before "
    "%(day)s. Statuses already read as overdue everywhere; the sweep makes the stored column match, so "
    "lists and indexes filter on it. It runs nightly; run it now after loading past invoices. It never "
    "touches paid or cancelled invoices and can be run again safely.":
        "El barrido de vencidos registra el estado VENCIDA en cada factura sin pagar cuyo vencimiento es "
        "anterior al %(day)s. Los estados ya se leen como vencidos en todas partes; el barrido hace que la "
        "columna guardada coincida, para que listas e índices filtren por ella. Corre cada noche; córralo "
        "ahora después de cargar facturas pasadas. Nunca toca facturas pagadas ni canceladas y se puede "
        "repetir sin riesgo.",
    "To mark now": "Por marcar ahora",
    "Overdue amount": "Importe vencido",
    ("Run the sweep now (%(n)s invoice)", "Run the sweep now (%(n)s invoices)"):
        ("Correr el barrido ahora (%(n)s factura)", "Correr el barrido ahora (%(n)s facturas)"),
    "Invoice %(number)s": "Factura %(number)s",
    "Register payment": "Registrar pago",
    "Payments": "Pagos",
    "This invoice is cancelled: it is read-only and receives no payments.":
        "Esta factura está cancelada: es de solo lectura y no recibe pagos.",
    "This invoice is paid in full: it is read-only.": "Esta factura está pagada por completo: es de solo lectura.",
    "Your role in this school does not allow registering payments.":
        "Su rol en esta escuela no permite registrar pagos.",
    "Payments received": "Pagos recibidos",
    "Date": "Fecha",
    "Registered by": "Registrado por",
    "Print receipt": "Imprimir recibo",
    "No payments yet.": "Aún no hay pagos.",
    "Back": "Volver",
    "Printed on %(when)s": "Impreso el %(when)s",
    "Payment receipt": "Recibo de pago",
    "No.": "Núm.",
    "Amount received": "Importe recibido",
    "Received from": "Recibido de",
    "Grade": "Grado",
    "For invoice": "Por la factura",
    "Invoice amount": "Importe de la factura",
    "Paid to date": "Pagado a la fecha",
    "Pending today": "Pendiente hoy",
    "Invoice status": "Estado de la factura",
    "Period": "Periodo",
    "All invoices": "Todas las facturas",
    "Movements": "Movimientos",
    "Document": "Documento",
    "Charge": "Cargo",
    "Payment": "Abono",
    "Balance": "Saldo",
    "Opening balance": "Saldo inicial",
    "No movements in this period.": "Sin movimientos en este periodo.",
    "Closing balance": "Saldo final",
    "Invoices": "Facturas",
    "No invoices in this period.": "Sin facturas en este periodo.",
    "user": "usuario",
    "users": "usuarios",
    "Administrator": "Administrador",
    "Accountant": "Contador",
    "Viewer": "Consulta",
    "role": "rol",
    "membership": "membresía",
    "memberships": "membresías",
    # app names (apps.py verbose_name)
    "Billing": "Facturación",
    "Schools": "Escuelas",
    "Students": "Alumnos",
    "Users": "Usuarios",
    "Accounting": "Contabilidad",
    "Reports": "Reportes",
    # domain errors (their messages are translated where the exception is defined)
    "That page does not exist.": "Esa página no existe.",
    "Another overdue sweep is running right now; try again in a minute.":
        "Otro barrido de vencidos está en curso; inténtelo de nuevo en un minuto.",
    "The payment exceeds the invoice's pending amount.": "El pago excede el saldo pendiente de la factura.",
    "Payments cannot be changed or deleted.": "Los pagos no se pueden modificar ni eliminar.",
    "An overdue sweep is already running; try again when it has finished.":
        "Ya hay un barrido de vencidos en curso; inténtelo de nuevo cuando termine.",
    "A cancelled invoice cannot be edited.": "Una factura cancelada no se puede editar.",
    "A paid invoice cannot be edited.": "Una factura pagada no se puede editar.",
    "The amount cannot be lower than the %(paid)s already paid.":
        "El importe no puede ser menor que los %(paid)s ya pagados.",
    "This invoice is already cancelled.": "Esta factura ya está cancelada.",
    "The payment of %(amount)s exceeds the pending amount of %(pending)s.":
        "El pago de %(amount)s excede el saldo pendiente de %(pending)s.",
    "The operation was refused.": "La operación fue rechazada.",
    "Not found.": "No encontrado.",
    "Your role in this school does not allow this action.": "Su rol en esta escuela no permite esta acción.",
    "The request conflicts with the current state.": "La solicitud entra en conflicto con el estado actual.",
    "The service is temporarily unavailable; try again shortly.":
        "El servicio no está disponible por el momento; inténtelo de nuevo en breve.",
    "This Idempotency-Key was already used with a different request body; use a new key.":
        "Esta Idempotency-Key ya se usó con otro cuerpo de solicitud; use una clave nueva.",
    "A request with this Idempotency-Key is being processed; retry shortly.":
        "Una solicitud con esta Idempotency-Key se está procesando; reintente en breve.",
    "Users and roles": "Usuarios y roles",
    "Invalid username or password.": "Usuario o contraseña incorrectos.",
    "The refresh token is invalid, expired or already used.":
        "El token de renovación no es válido, expiró o ya se usó.",
    "A school must keep at least one ADMIN; add another ADMIN first.":
        "Una escuela debe conservar al menos un ADMIN; agregue otro ADMIN primero.",
    "This user has no membership in this school.": "Este usuario no tiene membresía en esta escuela.",
    "This family is inactive; reactivate it before adding students to it.":
        "Esta familia está inactiva; reactívela antes de agregarle alumnos.",
    "A student can only belong to a family of their own school.":
        "Un alumno solo puede pertenecer a una familia de su propia escuela.",
    # families, allocations and corrections (issue 14): models, errors, validators
    "Families": "Familias",
    "families": "familias",
    "family": "familia",
    "child": "hijo",
    "children": "hijos",
    "payer's name": "nombre de quien paga",
    "payment reference": "referencia de pago",
    "tax postal code": "código postal fiscal",
    "CFDI use": "uso de CFDI",
    "no payment reminders": "sin recordatorios de pago",
    "Search by name, email, payment reference or RFC.": "Buscar por nombre, correo, referencia de pago o RFC.",
    "Search by name, email, CURP, or the family's name or payment reference.":
        "Buscar por nombre, correo, CURP, o el nombre o la referencia de pago de la familia.",
    "Fiscal data (CFDI)": "Datos fiscales (CFDI)",
    "Reminders": "Recordatorios",
    "credited amount": "importe acreditado",
    "allocated": "aplicado",
    "refunded": "reembolsado",
    "reversed": "revertido",
    "allocation": "aplicación",
    "allocations": "aplicaciones",
    "issue date": "fecha de emisión",
    "reason": "motivo",
    "issued by": "emitida por",
    "credit note": "nota de crédito",
    "credit notes": "notas de crédito",
    "Bounced check": "Cheque devuelto",
    "Chargeback": "Contracargo",
    "Entry error": "Error de captura",
    "note": "nota",
    "reversal date": "fecha de reversión",
    "reversed by": "revertido por",
    "payment reversal": "reversión de pago",
    "payment reversals": "reversiones de pago",
    "refund date": "fecha de reembolso",
    "refunded by": "reembolsado por",
    "refund": "reembolso",
    "refunds": "reembolsos",
    "The payment date is before the earliest date the school accepts.":
        "La fecha de pago es anterior a la fecha más temprana que acepta la escuela.",
    "Allocations, credit notes, reversals and refunds cannot be changed or deleted.":
        "Las aplicaciones, notas de crédito, reversiones y reembolsos no se pueden modificar ni borrar.",
    "The allocations add up to more than the payment.": "Las aplicaciones suman más que el pago.",
    "The allocations are invalid.": "Las aplicaciones no son válidas.",
    "A credit note cannot exceed what is still owed on the invoice.":
        "Una nota de crédito no puede exceder lo que aún se adeuda en la factura.",
    "This payment was already reversed.": "Este pago ya fue revertido.",
    "Part of this payment's credit was refunded to the family: reversing it would make the family's credit negative.":
        "Parte del saldo a favor de este pago se reembolsó a la familia: revertirlo dejaría el saldo a favor en negativo.",
    "A reversal is dated between its payment's date and today.":
        "Una reversión se fecha entre la fecha de su pago y hoy.",
    "A refund cannot exceed the family's credit balance.":
        "Un reembolso no puede exceder el saldo a favor de la familia.",
    "Say why: a correction needs a reason.": "Indique por qué: una corrección necesita un motivo.",
    "%(value)s is not a valid RFC (12 characters for a company, 13 for a person, with a valid date and check digit).":
        "%(value)s no es un RFC válido (12 caracteres para una persona moral, 13 para una física, con fecha y dígito verificador válidos).",
    "%(value)s is not a valid CURP (18 characters, with a valid birth date, state and check digit).":
        "%(value)s no es una CURP válida (18 caracteres, con fecha de nacimiento, estado y dígito verificador válidos).",
    "%(value)s is not a family payment reference (10 digits starting with 1, with valid check digits).":
        "%(value)s no es una referencia de pago familiar (10 dígitos que empiezan con 1, con dígitos verificadores válidos).",
    "A postal code has 5 digits.": "Un código postal tiene 5 dígitos.",
    # family desk (issue 14): credit, family statement, family payment form
    ("statement movement", "Charge"): "Cargo",
    ("statement movement", "Payment"): "Pago",
    ("statement movement", "Credit note"): "Nota de crédito",
    ("statement movement", "Payment reversal"): "Reversión de pago",
    ("statement movement", "Refund"): "Reembolso",
    "Family account statement · %(name)s": "Estado de cuenta familiar · %(name)s",
    "Family account statement": "Estado de cuenta familiar",
    "This payment form was already submitted; nothing was recorded again.":
        "Este formulario de pago ya se había enviado; no se registró nada de nuevo.",
    "Search by receipt number, reference, invoice number, student or family.":
        "Buscar por número de recibo, referencia, número de factura, alumno o familia.",
    "Family payment": "Pago familiar",
    "Apply the payment": "Aplicar el pago",
    "To the oldest invoices first (by due date); the rest becomes credit":
        "A las facturas más antiguas primero (por fecha de vencimiento); el resto queda como saldo a favor",
    "As typed below, invoice by invoice; the rest becomes credit":
        "Como se indica abajo, factura por factura; el resto queda como saldo a favor",
    "Type the amount for at least one invoice, or apply the payment to the oldest invoices first.":
        "Escriba el importe de al menos una factura, o aplique el pago a las facturas más antiguas primero.",
    "Owes": "Adeuda",
    "Credit": "Saldo a favor",
    "Credit of %(family)s": "Saldo a favor de %(family)s",
    ("Payment %(number)s registered: %(allocated)s applied to %(count)d invoice, %(credit)s left as the family's credit.",
     "Payment %(number)s registered: %(allocated)s applied to %(count)d invoices, %(credit)s left as the family's credit."): (
        "Pago %(number)s registrado: %(allocated)s aplicado a %(count)d factura, %(credit)s queda como saldo a favor de la familia.",
        "Pago %(number)s registrado: %(allocated)s aplicado a %(count)d facturas, %(credit)s queda como saldo a favor de la familia.",
    ),
    "Print the receipt": "Imprimir el recibo",
    "Register a family payment · %(family)s": "Registrar un pago familiar · %(family)s",
    "The amounts typed per invoice add up to more than the payment.":
        "Los importes por factura suman más que el pago.",
    "At most %(pending)s is pending on this invoice.": "En esta factura quedan pendientes %(pending)s como máximo.",
    "An invoice of the list was paid or cancelled meanwhile; the list shows the invoices open now. Check the amounts and send again.":
        "Mientras tanto se pagó o canceló una factura de la lista; la lista muestra las facturas abiertas ahora. Revise los importes y envíe de nuevo.",
    "Account": "Cuenta",
    "Payment reference": "Referencia de pago",
    "Credit balance": "Saldo a favor",
    "Family statement": "Estado de cuenta familiar",
    "Register a family payment": "Registrar un pago familiar",
    "Credit balance (saldo a favor)": "Saldo a favor",
    "Unallocated parts of the family's payments (not reversed)":
        "Partes no aplicadas de los pagos de la familia (no revertidos)",
    "Less refunds paid back to the family": "Menos reembolsos devueltos a la familia",
    "The credit pays the family's next invoices as soon as they are issued, oldest credit first, or is refunded on request.":
        "El saldo a favor paga las siguientes facturas de la familia en cuanto se emiten, primero el más antiguo, o se reembolsa a petición.",
    "Where it came from: payments with an unallocated part": "De dónde viene: pagos con una parte sin aplicar",
    "Applied to invoices": "Aplicado a facturas",
    "Refunded": "Reembolsado",
    "Credit left": "Saldo restante",
    "Reversed (%(number)s, %(day)s): its leftover left the credit":
        "Revertido (%(number)s, %(day)s): su remanente salió del saldo a favor",
    "No payment of this family left anything unallocated.": "Ningún pago de esta familia dejó algo sin aplicar.",
    "Refunds: credit paid back": "Reembolsos: saldo a favor devuelto",
    "Drawn from": "Tomado de",
    "No refunds.": "Sin reembolsos.",
    "Credit notes on the children's invoices": "Notas de crédito en las facturas de los hijos",
    "A credit note lowers what is owed on one invoice (a beca, a discount, a correction); it never becomes credit.":
        "Una nota de crédito reduce lo que se adeuda en una factura (una beca, un descuento, una corrección); nunca se convierte en saldo a favor.",
    "No credit notes.": "Sin notas de crédito.",
    "One deposit for all the children. What is not applied to an invoice stays as the family's credit.":
        "Un solo depósito para todos los hijos. Lo que no se aplica a una factura queda como saldo a favor de la familia.",
    "Amount to apply": "Importe a aplicar",
    "The family owes nothing: the whole payment becomes credit.":
        "La familia no adeuda nada: todo el pago queda como saldo a favor.",
    "Total pending": "Total pendiente",
    "Family": "Familia",
    "Credit notes": "Notas de crédito",
    "The balance is what the family owes; a negative balance is money in the family's favour.":
        "El saldo es lo que adeuda la familia; un saldo negativo es dinero a favor de la familia.",
    "Movement": "Movimiento",
    "Credited": "Acreditado",
    "Applied": "Aplicado",
    "Left as the family's credit": "Queda como saldo a favor de la familia",
    "This payment was reversed: it no longer counts.": "Este pago fue revertido: ya no cuenta.",
    "Children": "Hijos",
}


def _unquote(lines: list[str]) -> str:
    return "".join(re.match(r'^(?:msgid_plural|msgid|msgctxt|msgstr(?:\[\d\])?)?\s*"(.*)"$', line).group(1)
                   for line in lines).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_text: str) -> tuple[str, list[str]]:
    blocks = po_text.split("\n\n")
    out, missing = [blocks[0]], []
    for block in blocks[1:]:
        lines = [line for line in block.split("\n") if line]
        comments = [line for line in lines if line.startswith("#")]
        fields: dict[str, list[str]] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            key = line.split(" ", 1)[0] if not line.startswith('"') else None
            if key:
                current = key
                fields[current] = [line]
            else:
                fields[current].append(line)
        if "msgid" not in fields:
            out.append(block)
            continue
        ctx = _unquote(fields["msgctxt"]) if "msgctxt" in fields else None
        msgid = _unquote(fields["msgid"])
        plural = _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None
        key = (msgid, plural) if plural else ((ctx, msgid) if ctx else msgid)
        value = ES.get(key)
        if value is None:
            missing.append(msgid)
        body = [c for c in comments if not c.startswith("#, fuzzy")]
        if ctx is not None:
            body.append("msgctxt " + _quote(ctx))
        body.append("msgid " + _quote(msgid))
        if plural:
            body.append("msgid_plural " + _quote(plural))
            singular, many = value if value else ("", "")
            body += ["msgstr[0] " + _quote(singular), "msgstr[1] " + _quote(many)]
        else:
            body.append("msgstr " + _quote(value or ""))
        out.append("\n".join(body))
    return "\n\n".join(out).rstrip("\n") + "\n", missing


if __name__ == "__main__":
    text, missing = fill(PO.read_text(encoding="utf-8"))
    text = text.replace("#, fuzzy\n", "", 1)
    text = re.sub(r'"Language: \\n"', r'"Language: es\\n"', text)
    text = text.replace("PACKAGE VERSION", "school-billing").replace("YEAR-MO-DA HO:MI+ZONE", "2026-11-29 00:00+0000")
    text = text.replace("FULL NAME <EMAIL@ADDRESS>", "School billing team <billing@example.com>")
    text = text.replace("LANGUAGE <LL@li.org>", "Spanish <billing@example.com>")
    text = re.sub(r'"Plural-Forms: [^"]*"(\n"[^"]*")*', r'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', text)
    PO.write_text(text, encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    subprocess.run(["msgfmt", "--check", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)
