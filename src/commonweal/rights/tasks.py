"""Background tasks for data rights: the nightly retention run, on the task queue so a
long run never holds up the worker's message dispatch."""

from django_tasks import task

from . import retention


@task()
def run_retention(run_id: int) -> dict:
    return retention.retention_run_claimed(run_id=run_id)


@task()
def make_data_download(download_id: str) -> str:
    """Make a person's data download as a PDF (seconds; up to half a minute for many
    cases), so the request that asked for it does not wait."""
    from .downloads import data_download_make

    return data_download_make(download_id=download_id)


@task()
def erase_person(request_id: int) -> str:
    """Carry out an erasure staff granted (rights.erasure)."""
    from .erasure import erasure_carry_out

    done = erasure_carry_out(request_id=request_id)
    return done.status if done is not None else "gone"
