"""ecom_ai's models. No foreign keys to host product/order models: products are ``product_ref``."""

from .chat import Conversation, KnowledgeArticle, KnowledgeChunk, Message
from .events import Event
from .products import IndexedProduct

__all__ = ["Event", "IndexedProduct"]
__all__ += ["Conversation", "Message", "KnowledgeArticle", "KnowledgeChunk"]
