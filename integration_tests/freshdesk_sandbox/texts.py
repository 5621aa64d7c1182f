"""Text pools for seeded payloads: realistic, multilingual, some deliberately awkward."""

from __future__ import annotations

SUBJECTS = (
    "Cannot log in to the portal",
    "Refund request for order #{n} 💸",
    "注文した商品が届きません",
    "مشكلة في تسجيل الدخول إلى الحساب",
    "Проблема с оплатой счёта",
    "Ünïcödé characters break the export ✓",
    "Printer on fire 🔥🔥🔥",
    "Feature request: dark mode 🌙",
    "Invoice {n} shows the wrong VAT",
    "Password reset e-mail never arrives",
    "Bulk import failed at row {n}",
    'Quote "escaping" & <angle> brackets',
    "请帮我更改账户邮箱",
    "Ticket with a very long subject " + "lorem ipsum " * 20,
)

DESCRIPTIONS = (
    "<div>Hi team,<br>I still cannot log in since yesterday. 😞</div>",
    '<div dir="rtl">مرحبا، لا أستطيع الوصول إلى حسابي.</div>',
    "<div>お世話になっております。<b>至急</b>ご確認ください。</div>",
    "<p>Steps:</p><ol><li>Open the app</li><li>Click <i>Export</i></li></ol>",
    "<div>View the message on Twitter</div>",
    "<div></div>",
)

CONVERSATION_BODIES = (
    "<div>Thanks for reaching out! We are looking into it.</div>",
    "<div>Could you send a screenshot? 📷</div>",
    "<div>Private note: escalate to tier 2 if this recurs.</div>",
    "<div>View the message on Twitter</div>",
    '<div dir="rtl">شكرا لكم على الرد السريع</div>',
    "<div>已经解决了，谢谢！</div>",
)

FIRST_NAMES = (
    "Ana",
    "José",
    "Zoë",
    "Łukasz",
    "Ngozi",
    "Mei",
    "Omar",
    "Søren",
    "Priya",
    "Émile",
    "Yuki",
    "Fatima",
    "Kwame",
    "Olga",
    "Mateo",
    "王",
    "محمد",
    "Ingrid",
    "Raj",
    "Chloé",
)
LAST_NAMES = (
    "García",
    "Núñez",
    "Okafor",
    "Chen",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Ivanova",
    "Smith",
    "Müller",
    "Dubois",
    "伟",
    "علي",
    "O'Brien",
    "Van der Berg",
    "Ørsted",
    "Patel",
    "Rossi",
)
COMPANY_WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Tyrell",
    "Soylent",
    "株式会社サンプル",
    "Ωmega",
    "Nordlicht",
    "Café ☕",
    "Blue Sky",
)
INDUSTRIES = ("Software", "Retail", "Banking", "Healthcare", None)
TAGS = ("vip", "billing", "bug", "urgent", "legacy", "énergie", "注意")
TICKET_TYPES = ("Question", "Incident", "Problem", "Feature Request", "Refund", None)


def large_html(target_bytes: int = 200_000) -> str:
    """A description of roughly target_bytes (pasted e-mail threads do get this big)."""
    chunk = "<p>Quoted reply ▶ previous message with <b>markup</b>, emoji 🎉 and 日本語.</p>\n"
    repeats = max(1, target_bytes // len(chunk.encode("utf-8")))
    return "<div>" + chunk * repeats + "</div>"
