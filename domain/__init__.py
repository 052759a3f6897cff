"""Domain layer: Tortoise models and the business rules of every area of the hotel platform.

Pure Python + ORM. Nothing here knows about GraphQL or HTTP (ARCHITECTURE.md).
"""
