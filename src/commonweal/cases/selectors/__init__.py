"""Reads of cases. What the person sees (their timeline, the status check, decisions, the
thread) is in `citizen`; the staff workspace's queues, search and case page in `staff`;
offers (an approval the person must accept) and their words in `offers`. Other apps import
this module only."""

from .citizen import *  # noqa: F403
from .offers import *  # noqa: F403
from .staff import *  # noqa: F403
