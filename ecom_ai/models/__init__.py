"""ecom_ai's models. No foreign keys to host product/order models: products are ``product_ref``."""

from .chat import Conversation, KnowledgeArticle, KnowledgeChunk, Message
from .events import Event
from .experiments import Experiment, Variant
from .products import IndexedProduct
from .recs import ItemNeighbours, ItemPair, ItemStat, MerchandisingRule
from .tuning import EngagementDashboard, TuningSettings

__all__ = ["Event", "IndexedProduct", "ItemNeighbours", "ItemPair", "ItemStat", "MerchandisingRule"]
__all__ += ["EngagementDashboard", "Experiment", "TuningSettings", "Variant"]
__all__ += ["Conversation", "Message", "KnowledgeArticle", "KnowledgeChunk"]
