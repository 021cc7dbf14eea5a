"""Axis-aligned boxes in screen pixels, indexed by a grid so that "does this box overlap any placed one?" looks at
neighbours only. Label placement asks it for every candidate spot of every name: over all boxes, a province's
2,000 townships meant billions of comparisons (27 s for one chart); through the grid, well under a second."""

from __future__ import annotations

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def overlap(a: Box, b: Box) -> bool:
    """True when the interiors meet (boxes that only touch are clear of each other)."""
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


class BoxGrid:
    def __init__(self, cell: float = 64.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[tuple[Box, object]]] = {}

    def _cells(self, box: Box):
        c = self.cell
        return ((cx, cy) for cx in range(int(box[0] // c), int(box[2] // c) + 1)
                for cy in range(int(box[1] // c), int(box[3] // c) + 1))

    def add(self, box: Box, owner: object = None) -> None:
        for key in self._cells(box):
            self.cells.setdefault(key, []).append((box, owner))

    def free(self, box: Box, ignore: object = None) -> bool:
        """No placed box overlaps `box`, except those added with owner `ignore` (e.g. a name's own marker).
        Two boxes whose interiors meet share a cell, so looking at `box`'s cells finds every overlap."""
        return not any(overlap(box, other) for key in self._cells(box)
                       for other, owner in self.cells.get(key, ()) if ignore is None or owner != ignore)
