"""Token generation with a local Hugging Face causal LM, streamed to a websocket through the channel layer.

Runs where the model lives: the inference worker (Celery task ``ecom_ai.chat_generate``) or a thread
of the ASGI process. Each piece of text is sent to the consumer's channel as ``ecom_ai.delta``; the
end (or a failure) as ``ecom_ai.generated``. A consumer that has gone away simply never reads them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_models: dict[tuple[str, str], tuple[Any, Any]] = {}


def load_model(path: str, device: str = "cpu") -> tuple[Any, Any]:
    """Tokenizer and model from a local folder, loaded once per process (never from a hub)."""
    key = (path, device)
    if key not in _models:
        with _lock:
            if key not in _models:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from transformers import AutoModelForCausalLM, AutoTokenizer

                tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
                model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True).to(device)
                model.eval()
                _models[key] = (tokenizer, model)
    return _models[key]


def build_prompt(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n".join(lines) + "\nAssistant:"


def generate_to_channel(job: dict[str, Any]) -> str:
    """Generate for ``job`` ({request, channel, model, messages, max_new_tokens, device}) and stream it."""
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers

    # A private layer instance on a private loop: closing it must not touch the ASGI process's pools.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    loop = asyncio.new_event_loop()

    def send(message: dict) -> None:
        loop.run_until_complete(layer.send(job["channel"], {**message, "request": job["request"]}))

    text = ""
    try:
        import torch
        from transformers import TextIteratorStreamer

        tokenizer, model = load_model(job["model"], job.get("device", "cpu"))
        prompt = build_prompt(tokenizer, job["messages"])
        inputs = tokenizer(
            prompt, return_tensors="pt", truncation=True, max_length=int(job.get("max_prompt_tokens", 1024))
        ).to(model.device)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=60)
        kwargs = {
            **inputs,
            "streamer": streamer,
            "max_new_tokens": int(job.get("max_new_tokens", 120)),
            "do_sample": False,
            "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
            **dict(job.get("generate_kwargs") or {}),
        }
        worker = threading.Thread(
            target=lambda: torch.inference_mode()(model.generate)(**kwargs), daemon=True
        )
        worker.start()
        for piece in streamer:
            if piece:
                text += piece
                send({"type": "ecom_ai.delta", "text": piece})
        worker.join()
        send({"type": "ecom_ai.generated", "text": text})
    except Exception as exc:
        logger.exception("local generation failed")
        try:
            send({"type": "ecom_ai.generated", "text": text, "error": f"{type(exc).__name__}"})
        except Exception:
            logger.exception("cannot report the generation failure")
    finally:
        try:
            loop.run_until_complete(layer.close_pools()) if hasattr(layer, "close_pools") else None
        finally:
            loop.close()
    return text
