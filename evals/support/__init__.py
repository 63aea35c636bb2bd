"""Servers shared by the tests and the benchmarks (one way: tests and benchmarks import these; these import
neither): a fault-injecting OpenAI-compatible server, llama.cpp's llama-server, and the app in its own process."""
