"""Keeping person ids stable from one linkage run to the next.

Each new cluster takes the id of the old person most of its records belonged to; each old
id goes to at most one new cluster, the one holding most of its records (ties to the lower
id, then the lower cluster, so a rerun gives the same answer). A cluster left without an
id gets a new one. Records that change person are then described as:

- merge: their old id was given to no cluster (it is retired, its records joined another);
- split: they went to a cluster with a newly minted id (the larger part kept the old one);
- move: they went from one surviving person to another.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Assignment:
    person_of_cluster: dict  # cluster id -> old person id; the other clusters get new ids
    retired: set[int] = field(default_factory=set)  # old ids given to no cluster


def assign(overlaps: list[tuple], old_ids: set[int]) -> Assignment:
    """`overlaps`: (cluster id, old person id, records in both); `old_ids`: every person
    id in use before the run."""
    ranked = sorted(overlaps, key=lambda o: (-o[2], o[1], str(o[0])))
    person_of_cluster: dict = {}
    taken: set[int] = set()
    for cluster_id, person_id, _count in ranked:
        if cluster_id in person_of_cluster or person_id in taken:
            continue
        person_of_cluster[cluster_id] = person_id
        taken.add(person_id)
    return Assignment(person_of_cluster, old_ids - taken)


def changes(overlaps: list[tuple], person_of_cluster: dict, retired: set[int], minted):
    """(kind, from person, to person, records moved) for every flow of records between
    two different ids."""
    out = []
    for cluster_id, old_id, count in sorted(overlaps, key=lambda o: (o[1], str(o[0]))):
        new_id = person_of_cluster[cluster_id]
        if new_id == old_id:
            continue
        if old_id in retired:
            kind = "merge"
        elif new_id in minted:
            kind = "split"
        else:
            kind = "move"
        out.append((kind, old_id, new_id, count))
    return out
