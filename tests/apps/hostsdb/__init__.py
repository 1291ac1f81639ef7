"""A small inventory (groups, hosts, events) for the data layer's tests: ORM models with every
kind of column the API types, a Core-only table, a hidden table, and handlers using request.db."""
