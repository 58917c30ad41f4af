"""Hand-written example messages per intent (written for ecom_ai, not taken from any dataset).

They are the router's fallback when no trained model exists, and they teach a trained model the
shop intents (product search, recommendations, greetings, out of scope …) that support datasets
do not contain.
"""

from __future__ import annotations

EXEMPLARS: dict[str, list[str]] = {
    # --- orders ---------------------------------------------------------------------------------
    "track_order": [
        "where is my order", "track my parcel", "has my package shipped yet", "what's the status of order DS-1234ABCD",
        "when will my order arrive", "I want to follow my delivery", "order status please",
        "can you check where my purchase is", "is my order on its way", "track order 12345678",
    ],
    "cancel_order": [
        "cancel my order", "I want to cancel the purchase I made", "please cancel order DS-88AA77BB",
        "how can I cancel an order", "I changed my mind, cancel it", "stop my order before it ships",
        "can I still cancel my purchase", "I need to cancel order number 99887766",
    ],
    "change_order": [
        "change my order", "I want to modify the items in my order", "add another item to my existing order",
        "can I edit the order I placed", "update the quantity in my purchase", "swap a product in my order",
        "remove something from my order", "I need to correct my order",
    ],
    "place_order": [
        "how do I place an order", "I want to buy something", "help me make a purchase", "how can I order online",
        "I'd like to order some items", "can you help me complete a purchase", "how do I buy from your shop",
        "purchase some products",
    ],
    "check_cancellation_fee": [
        "is there a cancellation fee", "how much does it cost to cancel", "do you charge for cancelling an order",
        "cancellation penalty", "will I pay a fee if I cancel", "what are the cancellation charges",
        "check the early termination fee", "fee for cancelling",
    ],
    # --- refunds and returns --------------------------------------------------------------------
    "get_refund": [
        "I want a refund", "I want to return this item", "how do I get my money back", "request a refund for my order",
        "return an item", "can I send this back", "I'd like to be reimbursed", "start a return",
        "the product is broken and I want my money back",
    ],
    "track_refund": [
        "where is my refund", "has my refund been processed", "status of my refund", "I haven't received my refund yet",
        "when will I get my money back", "track my reimbursement", "check refund progress",
        "how long until the refund arrives",
    ],
    "check_refund_policy": [
        "what is your return policy", "refund policy", "how many days do I have to return", "can I return sale items",
        "do you offer money back guarantee", "what are the conditions for a refund", "return rules",
        "in which cases can I ask for a refund",
    ],
    # --- delivery and addresses -----------------------------------------------------------------
    "delivery_options": [
        "what shipping methods do you have", "do you offer express delivery", "shipping options", "how much is shipping",
        "do you ship to Spain", "delivery methods available", "is there free shipping", "which carriers do you use",
    ],
    "delivery_period": [
        "how long does delivery take", "when will it be delivered", "delivery time", "how many days to ship",
        "estimated arrival time", "how soon can I get it", "what is the delivery period", "how fast do you deliver",
    ],
    "change_shipping_address": [
        "change my shipping address", "I moved, update the delivery address", "wrong address on my order",
        "edit the address for delivery", "can I send my order to a different address", "correct my shipping address",
        "modify delivery address", "update address on the order",
    ],
    "set_up_shipping_address": [
        "add a new shipping address", "set up a delivery address", "save an address to my account",
        "create a shipping address", "I can't add my address", "register a new address for deliveries",
        "how do I enter a shipping address", "set another address",
    ],
    # --- payment and invoices -------------------------------------------------------------------
    "check_payment_methods": [
        "what payment methods do you accept", "can I pay with PayPal", "do you take credit cards", "payment options",
        "can I pay by bank transfer", "which cards are accepted", "do you accept Apple Pay", "how can I pay",
    ],
    "payment_issue": [
        "my payment failed", "I was charged twice", "problem with my payment", "the card was declined",
        "payment didn't go through", "error while paying", "I can't complete the payment", "issue with a charge",
    ],
    "check_invoice": [
        "check my invoice", "I want to see my bill", "where can I view my invoices", "show the invoice for my order",
        "find my last bill", "look at invoice details", "see my invoice from last month", "locate an invoice",
    ],
    "get_invoice": [
        "send me the invoice", "I need an invoice for my purchase", "download my invoice", "get a copy of my bill",
        "email me the receipt", "can I get a VAT invoice", "request an invoice", "I need the invoice pdf",
    ],
    # --- account --------------------------------------------------------------------------------
    "create_account": [
        "create an account", "sign up", "how do I register", "open a new account", "I want to make a profile",
        "register with your shop", "new customer account", "help me sign up",
    ],
    "delete_account": [
        "delete my account", "close my profile", "remove my account and data", "I want to terminate my account",
        "cancel my membership account", "erase my user account", "deactivate my account", "get rid of my account",
    ],
    "edit_account": [
        "update my account details", "change my name on my profile", "edit my personal information",
        "modify account info", "change the phone number on my account", "update my profile",
        "change my email address in the account", "correct my account data",
    ],
    "switch_account": [
        "switch to another account", "change user account", "log in with a different account",
        "swap between my accounts", "use my other profile", "move to my second account",
        "change to my business account", "switch profiles",
    ],
    "recover_password": [
        "I forgot my password", "reset my password", "can't log in, lost password", "recover my password",
        "password reset link", "I need a new password", "restore access to my account", "retrieve my password",
    ],
    "registration_problems": [
        "I can't register", "sign up isn't working", "error when creating an account", "problem with registration",
        "the registration form fails", "unable to sign up", "trouble opening an account", "registration error",
    ],
    "newsletter_subscription": [
        "subscribe to the newsletter", "unsubscribe from emails", "stop sending me newsletters",
        "sign me up for your newsletter", "I want your promotional emails", "cancel newsletter subscription",
        "how do I get the newsletter", "opt out of marketing emails",
    ],
    # --- people ---------------------------------------------------------------------------------
    "contact_customer_service": [
        "how can I contact customer service", "customer support phone number", "what are your support hours",
        "email address of customer service", "how do I reach support", "contact support",
        "I need to get in touch with your service team", "customer service contact",
    ],
    "contact_human_agent": [
        "talk to a human", "I want to speak to a real person", "connect me with an agent", "live agent please",
        "can I chat with a human", "get me a person", "transfer me to someone", "human operator",
        "representative please",
    ],
    "complaint": [
        "I want to file a complaint", "I'm very unhappy with your service", "this is unacceptable",
        "I need to make a complaint", "your service is terrible", "how do I complain",
        "I'm disappointed with how I was treated", "lodge a complaint",
    ],
    "review": [
        "I want to leave a review", "how do I rate a product", "write feedback about my purchase",
        "leave a comment on your service", "submit a review", "give my opinion on the product",
        "where can I post a review", "I'd like to share my experience",
    ],
    # --- shop intents (not in support datasets) -------------------------------------------------
    "product_search": [
        "do you have wireless headphones", "I'm looking for a steel water bottle", "show me running shoes",
        "kettle under 40 euros", "find a desk lamp", "any yoga mats in stock", "I need a coffee grinder",
        "search for a backpack for hiking", "cheap phone case", "show me laptops between 500 and 800 euros",
        "is there a waterproof jacket", "gaming mouse", "a gift for a gardener under 30 eur",
        "what blenders do you sell", "sneakers size 42",
    ],
    "recommendation": [
        "what do you recommend", "suggest something for me", "what goes well with my last purchase",
        "any recommendations", "what is popular right now", "what should I buy as a gift",
        "recommend me something similar", "best sellers", "what would you suggest for a beginner",
    ],
    "add_to_cart": [
        "add it to my cart", "put that in the basket", "add the first one to my cart", "I'll take it, add to cart",
        "add two of those to my cart", "add this product to the basket",
    ],
    "warranty": [
        "what warranty do you offer", "is this covered by guarantee", "my product broke after six months, warranty",
        "how long is the warranty", "warranty claim", "does the guarantee cover repairs",
    ],
    "order_history": [
        "show my orders", "list my recent orders", "what did I order last time", "my past purchases",
        "show me my order history", "which orders do I have",
    ],
    "greeting": [
        "hi", "hello", "hey there", "good morning", "hello, anyone there?", "hi, I have a question", "good evening",
    ],
    "thanks": [
        "thanks", "thank you", "great, thanks a lot", "perfect, that's all", "bye", "goodbye", "cheers",
        "that helps, thank you",
    ],
    "out_of_scope": [
        "what's the weather tomorrow", "tell me a joke", "who won the football game", "what is the meaning of life",
        "write me a poem", "solve this math problem", "what's the capital of France", "who is the president",
        "can you help with my homework", "translate this into German",
    ],
}

# Intents outside the support taxonomy: the shop's own.
SHOP_INTENTS = frozenset({"product_search", "recommendation", "add_to_cart", "warranty", "order_history",
                          "greeting", "thanks", "out_of_scope"})
