"""Rules: from changed functions to scenario knobs (docs/rules.md).

    loader.load_library() -> tuple[Rule, ...]     rule.yaml files under library/
    matcher.match(rule, functions, peers) -> [Hit]  roles, then facts per side
    examples.run_examples(rule, runner)             the annotated C examples

Roles and fact extractors live in ``extract``; ``cst`` gives them the structure of a
function side (guards, dominance, assignments) read with tree-sitter.
"""
