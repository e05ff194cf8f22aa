"""The two ways to consume the queue: Lambda behind an event source mapping, or EC2 workers."""
