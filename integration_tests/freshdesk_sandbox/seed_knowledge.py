"""The discussion forums and the solutions knowledge base (with nested subfolders)."""

from __future__ import annotations

from .seeding import (
    BIG_COMPANY_ID,
    Record,
    SeedContext,
    strip_html,
)


def build_discussions(ctx: SeedContext) -> None:
    cats, forums, topics, comments = [], [], [], []
    for c in range(ctx.s.discussion_category_count):
        cid = 43_000_500_000 + c
        cats.append(
            {
                "id": cid,
                "name": f"Community {c}",
                "description": None if c else "Talk to us",
                **ctx.stamps()[1],
            }
        )
        # The last category stays empty: walkers must cope with an empty child list.
        forum_count = 0 if c == ctx.s.discussion_category_count - 1 else 2
        for f in range(forum_count):
            fid = 43_000_510_000 + c * 10 + f
            topic_count = (3, 0)[f % 2]
            forums.append(
                {
                    "id": fid,
                    "name": f"Forum {c}.{f}",
                    "description": None,
                    "forum_category_id": cid,
                    "forum_type": 1 + f % 4,
                    "forum_visibility": 1,
                    "position": f + 1,
                    "posts_count": topic_count * 2,
                    "topics_count": topic_count,
                    "comments_count": sum(range(topic_count)),
                    "company_ids": [],
                }
            )
            for t in range(topic_count):
                tid = 43_000_520_000 + (c * 10 + f) * 10 + t
                created, stamps = ctx.stamps()
                topics.append(
                    {
                        "id": tid,
                        "title": f"How do I {t}? 🤔",
                        "forum_id": fid,
                        "user_id": ctx.rng.choice(ctx.agent_ids),
                        "locked": False,
                        "published": True,
                        "stamp_type": None,
                        "replied_by": None,
                        "user_votes": t,
                        "merged_topic_id": None,
                        "comments_count": t,
                        "posts_count": t + 1,
                        "sticky": t == 0,
                        **stamps,
                        "replied_at": stamps["updated_at"] if t else None,
                        "hits": 10 * t,
                    }
                )
                for k in range(t):
                    body = f"<p>Answer {k} — 答え</p>"
                    comments.append(
                        {
                            "id": 43_000_530_000 + tid % 100_000 * 10 + k,
                            "body": body,
                            "body_text": strip_html(body),
                            "topic_id": tid,
                            "forum_id": fid,
                            "user_id": ctx.rng.choice(ctx.agent_ids),
                            "answer": k == 0,
                            "published": True,
                            "spam": None,
                            "trash": False,
                            **ctx.stamps()[1],
                        }
                    )
    lists = ctx.data.lists
    lists["discussion_categories"] = cats
    lists["discussion_forums"] = forums
    lists["discussion_topics"] = topics
    lists["discussion_comments"] = comments


def _visibility(folder_seq: int) -> Record:
    """Most folders are public; a few are limited to companies or segments, which adds their ids."""
    kind = folder_seq % 7
    if kind == 3:
        return {"visibility": 4, "company_ids": [BIG_COMPANY_ID]}
    if kind == 5:
        return {"visibility": 6, "contact_segment_ids": [43_000_650_001]}
    if kind == 6:
        return {"visibility": 7, "company_segment_ids": [43_000_660_001, 43_000_660_002]}
    return {"visibility": 1}


def article_attachment(article_seq: int) -> Record:
    return {
        "id": 43_000_630_000 + article_seq,
        "name": f"guide {article_seq} 📄.pdf",
        "content_type": "application/pdf",
        "size": 48_213,
        "attachment_url": f"https://s3.example.com/article-{article_seq}.pdf?X-Amz-Expires=300",
        "thumb_url": None,
        "created_at": "2024-03-01T09:30:00Z",
        "updated_at": "2024-03-01T09:30:00Z",
    }


def build_solutions(ctx: SeedContext) -> None:
    cats, folders, articles = [], [], []
    folder_seq = 0
    article_seq = 0

    def add_folder(category: Record, parent: Record | None, depth: int, with_articles: int):
        nonlocal folder_seq, article_seq
        folder_seq += 1
        fid = 43_000_610_000 + folder_seq
        hierarchy = [
            {
                "level": 0,
                "type": "category",
                "data": {"id": category["id"], "name": category["name"], "language": "en"},
            }
        ]
        if parent is not None:
            hierarchy += [dict(level) for level in parent["hierarchy"][1:]]
        name = f"Folder {folder_seq}" + (" (sub)" if parent else "")
        hierarchy.append(
            {
                "level": len(hierarchy),
                "type": "folder",
                "data": {"id": fid, "name": name, "language": "en"},
            }
        )
        folder = {
            "id": fid,
            "name": name,
            "description": None if folder_seq % 2 else "Guides",
            **_visibility(folder_seq),
            **ctx.stamps()[1],
            "category_id": category["id"],
            "parent_folder_id": parent["id"] if parent else None,
            "sub_folders_count": 0,
            "articles_count": with_articles,
            "hierarchy": hierarchy,
            "icon_url": None if folder_seq % 3 else f"https://cdn.example.com/folder-{fid}.svg",
        }
        folders.append(folder)
        if parent is not None:
            parent["sub_folders_count"] += 1
        for _ in range(with_articles):
            article_seq += 1
            body = (
                ctx.large_html
                if article_seq == 1
                else f"<h1>Article {article_seq}</h1><p>Schritt für Schritt ✓</p>"
            )
            articles.append(
                {
                    "id": 43_000_620_000 + article_seq,
                    "type": 1,
                    "category_id": category["id"],
                    "folder_id": fid,
                    "hierarchy": [dict(level) for level in hierarchy],
                    "thumbs_up": article_seq % 5,
                    "thumbs_down": 0,
                    "hits": article_seq * 3,
                    "tags": ["howto"] if article_seq % 2 else [],
                    "seo_data": {"meta_title": None, "meta_description": None},
                    "agent_id": ctx.rng.choice(ctx.agent_ids),
                    "title": f"How to do thing {article_seq}",
                    "description": body,
                    "description_text": strip_html(body),
                    "status": 1 + article_seq % 2,
                    **ctx.stamps()[1],
                    "attachments": [] if article_seq % 4 else [article_attachment(article_seq)],
                    "cloud_files": [],
                    "suggested": article_seq % 2,
                    "feedback_count": article_seq % 3,
                }
            )
        return folder

    for c in range(ctx.s.solution_category_count):
        category = {
            "id": 43_000_600_000 + c,
            "name": f"Knowledge base {c}",
            "description": None if c else "Everything you need",
            **ctx.stamps()[1],
            "visible_in_portals": [43_000_000_001],
            "icon": {},
        }
        cats.append(category)
        if c == ctx.s.solution_category_count - 1 and c > 0:
            continue  # an empty category
        top = add_folder(category, None, 0, 3)
        # A folder with no direct articles: its content is reachable only via subfolders.
        hub = add_folder(category, None, 0, 0)
        sub = add_folder(category, hub, 1, 2)
        add_folder(category, sub, 2, 1)
        add_folder(category, top, 1, 1)
    lists = ctx.data.lists
    lists["solution_categories"] = cats
    lists["solution_folders"] = folders
    lists["solution_articles"] = articles


# ---- companies, contacts -------------------------------------------------------------------
