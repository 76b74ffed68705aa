"""Runs BFCL's official single-turn scorer on a batch of entries (test tooling for fc-distill).

Usage: PYTHONPATH=<folder holding bfcl_eval> python bfcl_check.py [--repeat N] < entries.jsonl

Input, one JSON object per line:
  {"id", "category", "model_result", "functions", "ground_truth", "underscore_to_dot", "decoder"}
  - model_result: the `result` field exactly as a BFCL result file holds it
  - category: as in BFCL's file names (`simple_python` in v4, `simple` in v3, `live_multiple`, ...)
  - ground_truth: the possible answer's `ground_truth` (null for relevance/irrelevance)
  - decoder: "fc" (OpenAI-style function-calling result: a list of {name: "<JSON arguments>"}) or
    "python" (BFCL's default prompting format, decoded by default_decode_ast_prompting)
  A line {"define": key, "functions", "ground_truth"} may come first and entries then carry "ref": key
  instead of their own functions and ground_truth (thousands of mutations of one entry share them).
Output, one JSON object per entry line, in input order:
  {"id", "valid", "error_type", "error_text"}   (null when valid; error_text is the `error` list as
  BFCL's score file would hold it: json.dumps(make_json_serializable(error), ensure_ascii=False);
  a checker crash gives valid null, error_type "crash:<ExceptionClass>" and the exception text)
then a last line {"summary": true, "count", "check_seconds", "repeat", "import_seconds"}, where
check_seconds is the time spent in the decode+check loop only (per repetition, best of `repeat`).

The decision logic is BFCL's own, not a copy: the entries go through eval_runner's
_evaluate_single_ast_entry / _evaluate_single_relevance_entry, with OpenAICompletionsHandler.decode_ast
as the handler's decoder. bfcl_eval's top-level imports pull in every model SDK (openai, anthropic,
numpy, pandas, tree_sitter, ...); the modules the checker does not use are replaced by stubs in
sys.modules before anything of bfcl_eval is imported, so only the standard library is needed.
"""

import json
import os
import sys
import tempfile
import time
import traceback
import types

_t0 = time.perf_counter()

# eval_config creates result/ and score/ folders under BFCL_PROJECT_ROOT at import time: keep them out of the package.
os.environ.setdefault("BFCL_PROJECT_ROOT", os.path.join(tempfile.gettempdir(), "fc-distill-bfcl-check"))

# Model names given to the checker; MODEL_CONFIG_MAPPING is looked up with "_" replaced by "/", so no underscores.
MODEL_DOT = "shim-underscore-to-dot"
MODEL_PLAIN = "shim-plain"


def _stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__fc_distill_stub__ = True
    sys.modules[name] = module
    return module


def _unused(*_args, **_kwargs):
    raise RuntimeError("stubbed out by fc-distill's bfcl_check.py: not needed for single-turn scoring")


class _ModelConfig:
    def __init__(self, underscore_to_dot):
        self.underscore_to_dot = underscore_to_dot
        self.is_fc_model = True


class _StubClass:
    pass


# Only `MODEL_CONFIG_MAPPING[name].underscore_to_dot` is read by ast_checker.convert_func_name.
_stub(
    "bfcl_eval.constants.model_config",
    MODEL_CONFIG_MAPPING={MODEL_DOT: _ModelConfig(True), MODEL_PLAIN: _ModelConfig(False)},
    ModelConfig=_ModelConfig,
)
# tenacity: retry decorators applied at class-definition time of the OpenAI handler; never run here.
_stub(
    "tenacity",
    retry=lambda *a, **k: (lambda f: f),
    retry_if_exception_message=lambda *a, **k: None,
    retry_if_exception_type=lambda *a, **k: None,
    wait_random_exponential=lambda *a, **k: None,
)
# tree_sitter parsers: Java/JavaScript decoding only.
_stub("bfcl_eval.model_handler.parser.java_parser", parse_java_function_call=_unused)
_stub("bfcl_eval.model_handler.parser.js_parser", parse_javascript_function_call=_unused)
# The OpenAI SDK: only names used in openai_completion's module body.
_stub("openai", OpenAI=_StubClass, RateLimitError=type("RateLimitError", (Exception,), {}))
# base_handler pulls in overrides and the multi-turn backends; its class is only a base / annotation here.
_stub("bfcl_eval.model_handler.base_handler", BaseHandler=_StubClass)
# eval_runner's imports that single-turn scoring does not use (numpy, pandas, multi-turn and agentic checkers).
_stub("bfcl_eval.eval_checker.eval_runner_helper")
_stub("bfcl_eval.eval_checker.agentic_eval.agentic_checker", agentic_checker=_unused)
_stub(
    "bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker",
    multi_turn_checker=_unused,
    multi_turn_irrelevance_checker=_unused,
)
_stub("bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils", is_empty_execute_response=_unused)
_stub("dotenv", load_dotenv=_unused)
_stub("tqdm", tqdm=_unused)

from bfcl_eval.constants.enums import Language, ReturnFormat  # noqa: E402
from bfcl_eval.eval_checker import eval_runner  # noqa: E402
from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler  # noqa: E402
from bfcl_eval.utils import is_java, is_js, is_relevance_or_irrelevance, make_json_serializable  # noqa: E402

_import_seconds = time.perf_counter() - _t0


def _handler(is_fc_model):
    # Only decode_ast is used; it reads nothing but is_fc_model (no client, no API key).
    handler = object.__new__(OpenAICompletionsHandler)
    handler.is_fc_model = is_fc_model
    return handler


HANDLERS = {"fc": _handler(True), "python": _handler(False)}


def evaluate(entry):
    """One entry through eval_runner's per-entry functions, as relevance_file_runner / ast_file_runner call them."""
    category = entry["category"]
    handler = HANDLERS[entry["decoder"]]
    model_name = MODEL_DOT if entry["underscore_to_dot"] else MODEL_PLAIN
    prompt_entry = {"id": entry["id"], "function": entry["functions"]}
    if is_relevance_or_irrelevance(category):
        return eval_runner._evaluate_single_relevance_entry(
            handler, entry["id"], entry["model_result"], prompt_entry, model_name, category
        )
    if is_java(category):
        language, return_format = Language.JAVA, ReturnFormat.JAVA
    elif is_js(category):
        language, return_format = Language.JAVASCRIPT, ReturnFormat.JAVASCRIPT
    else:
        language, return_format = Language.PYTHON, ReturnFormat.PYTHON
    return eval_runner._evaluate_single_ast_entry(
        handler,
        entry["id"],
        entry["model_result"],
        entry["ground_truth"],
        prompt_entry,
        model_name,
        category,
        language=language,
        return_format=return_format,
        has_tool_call_tag=False,
    )


def _error_text(error):
    """The error list as BFCL writes it into a score file (make_json_serializable, then json.dumps)."""
    try:
        return json.dumps(make_json_serializable(error), ensure_ascii=False)
    except (TypeError, ValueError) as problem:  # BFCL's writer would fail here too
        return f"<not serializable: {problem}>"


def _run_all(entries):
    outcomes = []
    for entry in entries:
        try:
            outcomes.append(evaluate(entry))
        except Exception as error:  # BFCL itself would crash on this entry
            outcomes.append(error)
    return outcomes


def main():
    repeat = 1
    args = sys.argv[1:]
    if args[:1] == ["--repeat"]:
        repeat = max(1, int(args[1]))
    # Split on "\n" only: str.splitlines() would also split inside JSON strings holding U+2028, U+0085, ...
    entries = []
    defined = {}
    for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
        if not line.strip():
            continue
        record = json.loads(line)
        if "define" in record:
            # Shared function docs and ground truth, referenced by later entries through "ref".
            defined[record["define"]] = record
            continue
        if "ref" in record:
            shared = defined[record["ref"]]
            record["functions"] = shared["functions"]
            record["ground_truth"] = shared["ground_truth"]
        entries.append(record)

    best = None
    outcomes = []
    for _ in range(repeat):
        # No deep copies between repetitions: the single-turn checker functions only read their inputs.
        start = time.perf_counter()
        outcomes = _run_all(entries)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)

    out = sys.stdout
    for entry, outcome in zip(entries, outcomes):
        if isinstance(outcome, Exception):
            line = {
                "id": entry["id"],
                "valid": None,
                "error_type": f"crash:{type(outcome).__name__}",
                "error_text": "".join(traceback.format_exception_only(type(outcome), outcome)).strip(),
            }
        elif outcome["valid"]:
            line = {"id": entry["id"], "valid": True, "error_type": None, "error_text": None}
        else:
            line = {
                "id": entry["id"],
                "valid": False,
                "error_type": outcome.get("error_type"),
                "error_text": _error_text(outcome.get("error")),
            }
        out.write(json.dumps(line, ensure_ascii=True) + "\n")
    out.write(
        json.dumps(
            {
                "summary": True,
                "count": len(entries),
                "check_seconds": best or 0.0,
                "repeat": repeat,
                "import_seconds": _import_seconds,
            }
        )
        + "\n"
    )
    out.flush()


if __name__ == "__main__":
    main()
