"""What a rating reads besides the artifact itself.

The model card's text (`card`), the registered artifacts and repositories the model names (`linking`), GitHub
repository facts and pull-request reviews (`github_facts`), the model's Hub commit history (`hub_history`) and
the code snippets its card shows (`snippets`).
"""
