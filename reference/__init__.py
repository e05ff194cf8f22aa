"""p4lab reference pipeline: the CLI, its targets and deploy tooling, and the Lambda handler."""
