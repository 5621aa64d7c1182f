"""The Freshdesk source: configuration in, 28 streams out."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import AirbyteConnectionStatus, Status
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_freshdesk.auth import api_key_authenticator
from source_freshdesk.config import FreshdeskConfig
from source_freshdesk.connection_check import check_connection
from source_freshdesk.rate_limit import FreshdeskAPIBudget
from source_freshdesk.streams import resources as r
from source_freshdesk.streams.base import FreshdeskContext
from source_freshdesk.streams.tickets import Conversations, Tickets


class SourceFreshdesk(AbstractSource):
    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        # Overridden so a failure reads as its message, not as the repr the CDK would print.
        try:
            check_connection(FreshdeskConfig.from_mapping(config))
        except AirbyteTracedException as failure:
            logger.error(f"Check failed: {failure.message}")
            return AirbyteConnectionStatus(status=Status.FAILED, message=failure.message)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def check_connection(
        self, logger: logging.Logger, config: Mapping[str, Any]
    ) -> tuple[bool, Any]:
        check_connection(FreshdeskConfig.from_mapping(config))
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        settings = FreshdeskConfig.from_mapping(config)
        context = FreshdeskContext(
            config=settings,
            budget=FreshdeskAPIBudget(settings.requests_per_minute),
            authenticator=api_key_authenticator(settings.api_key),
        )
        canned_folders = r.CannedResponseFolders(context)
        discussion_categories = r.DiscussionCategories(context)
        discussion_forums = r.DiscussionForums(context, parent=discussion_categories)
        discussion_topics = r.DiscussionTopics(context, parent=discussion_forums)
        solution_categories = r.SolutionCategories(context)
        solution_folders = r.SolutionFolders(context, parent=solution_categories)
        return [
            r.Agents(context),
            r.BusinessHours(context),
            canned_folders,
            r.CannedResponses(context, parent=canned_folders),
            r.Companies(context),
            r.Contacts(context),
            Conversations(context),
            discussion_categories,
            r.DiscussionComments(context, parent=discussion_topics),
            discussion_forums,
            discussion_topics,
            r.EmailConfigs(context),
            r.EmailMailboxes(context),
            r.Groups(context),
            r.Products(context),
            r.Roles(context),
            r.SatisfactionRatings(context),
            r.ScenarioAutomations(context),
            r.Settings(context),
            r.Skills(context),
            r.SlaPolicies(context),
            r.SolutionArticles(context, parent=solution_folders),
            solution_categories,
            solution_folders,
            r.Surveys(context),
            r.TicketFields(context),
            Tickets(context),
            r.TimeEntries(context),
        ]
