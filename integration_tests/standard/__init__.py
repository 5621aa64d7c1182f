"""The CDK's standard connector tests (SourceTestSuiteBase) for both sources, run against the
sandboxes, plus the incremental checks the standard suite does not collect."""
