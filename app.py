"""The Gradio UI: components and handlers that call the `interviewer` package.

For now it is a search page over the study notes; the interview room grows here.
"""

from __future__ import annotations

import interviewer as core

import gradio as gr  # noqa: E402  (after `interviewer`, which sets the offline switches)


def passages_markdown(passages: list[core.Passage]) -> str:
    """Render search results as Markdown with their citations."""
    if not passages:
        return "_No passages found._"
    blocks = []
    for p in passages:
        blocks.append(f"**{p.rank}. {p.citation}** · similarity {p.score:.2f}\n\n{p.text}")
    return "\n\n---\n\n".join(blocks)


def on_search(query: str, k: float, stage: str) -> str:
    if not query or not query.strip():
        return "_Type a question or topic to search the study notes._"
    try:
        passages = core.search(query, k=int(k), stage=stage or None)
    except core.IndexUnavailable as exc:
        return f"**The index is not available.** {exc}"
    return passages_markdown(passages)


def build() -> gr.Blocks:
    with gr.Blocks(title="ML System Design Mock Interviewer") as demo:
        gr.Markdown("# ML System Design Mock Interviewer\nSearch the study notes (offline: bundled embedding model).")
        with gr.Tab("Study notes"):
            with gr.Row():
                query = gr.Textbox(label="Search", placeholder="e.g. how to detect training-serving skew", scale=4)
                k = gr.Slider(1, 10, value=5, step=1, label="Passages", scale=1)
                stage = gr.Dropdown(choices=[("any stage", "")] + [(s.title, s.value) for s in core.STAGES],
                                    value="", label="Stage", scale=1)
            button = gr.Button("Search", variant="primary")
            results = gr.Markdown()
            button.click(on_search, [query, k, stage], results, api_name="search")
            query.submit(on_search, [query, k, stage], results)
    return demo


def main(host: str | None = None, port: int | None = None) -> None:
    settings = core.get_settings()
    build().queue().launch(server_name=host or settings.host, server_port=port or settings.port, show_error=True)


if __name__ == "__main__":
    main()
