"""App assembly: the foundation stack and one stack per agent."""
