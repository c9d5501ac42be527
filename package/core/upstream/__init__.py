"""Clients for the upstreams artifacts come from: Hugging Face, GitHub and Kaggle."""
