"""CFDI background jobs: thin wrappers over cfdi.services (the same as `manage.py stamp_cfdi`)."""

from celery import shared_task

from cfdi.services import document_stamp, stamp_pending


@shared_task(name="cfdi.tasks.stamp_document", bind=True, max_retries=5, default_retry_delay=60)
def stamp_document(self, document_id: str) -> str:
    """Stamp one document; while the PAC does not answer, retry with a growing delay (1, 2, 4... min).

    Inline (no broker: `make run`, the tests) there is no retry: the document stays DRAFT and the
    next `stamp_cfdi` run (or the periodic task) sends it again, so a request never waits through
    retries.
    """
    outcome = document_stamp(document_id=document_id)
    if outcome.retry and not self.request.is_eager:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return outcome.document.status


@shared_task(name="cfdi.tasks.stamp_pending", max_retries=0)
def stamp_pending_task() -> dict[str, int]:
    """Prepare payment complements and send every waiting document (the periodic job)."""
    return stamp_pending()
