"""Intelligence sharing: portion-marked products, tearlines, and every read path through one rule."""

from jointex.intel._product import Attachment, IntelProduct, ProductKind, Source, view_for

__all__ = ["Attachment", "IntelProduct", "ProductKind", "Source", "view_for"]
