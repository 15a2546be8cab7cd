"""Reads of cases. What the person sees (their timeline, the status check, decisions, the
thread) is in `citizen`; the staff workspace's queues, search and case page in `staff`;
offers (an approval the person must accept) and their words in `offers`; the cases an
organisation holds, as the API reads them, in `organisation`; bulk actions' cases in
`bulk`. Other apps import
this module only."""

# The models other apps name in their type hints (they may not import cases' models).
from ..models import Case as Case
from ..models import Decision as Decision

# A member of staff's saved queue filters (kept with the queue's filters they name).
from ..saved_filters import saved_filters as saved_filters
from .bulk import *  # noqa: F403
from .citizen import *  # noqa: F403
from .offers import *  # noqa: F403
from .organisation import *  # noqa: F403
from .requests import *  # noqa: F403
from .staff import *  # noqa: F403
