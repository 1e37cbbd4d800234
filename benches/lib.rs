//! Shared fixtures for the criterion benchmarks (see README.md).
