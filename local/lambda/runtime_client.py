# The bootstrap of one Python execution environment, like AWS's Python runtime interface client: imports
# the handler (`module.function`) from LAMBDA_TASK_ROOT, then loops on the Lambda Runtime API. Standard
# library only; boto3 is importable when the host's Python has it, as the AWS runtime ships it.
import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback

FLUSH_MARK = "\u001es3size-flush "
host, _, port = os.environ.get("AWS_LAMBDA_RUNTIME_API", "").partition(":")
task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
connection = http.client.HTTPConnection(host, int(port or 0))
current_request_id = ""


def request(method, path, body=None, headers=None):
    payload = None if body is None else body.encode("utf-8")
    all_headers = dict(headers or {})
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    for attempt in (1, 2):
        try:
            connection.request(method, "/2018-06-01/runtime" + path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return response.getheaders(), response.read().decode("utf-8")
        except (ConnectionError, http.client.HTTPException):
            # A kept-alive connection the API closed: reconnect once.
            connection.close()
            if attempt == 2:
                raise


def flush_logs(request_id):
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdout.write(FLUSH_MARK + request_id + "\n")
    sys.stderr.write(FLUSH_MARK + request_id + "\n")
    sys.stdout.flush()
    sys.stderr.flush()


class LambdaLogHandler(logging.Handler):
    """AWS's format: [LEVEL]\\ttimestamp\\trequest id\\tmessage; newlines become \\r so one record is one event."""

    def emit(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        millis = int(record.msecs)
        message = self.format(record).replace("\n", "\r")
        sys.stdout.write(
            f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{current_request_id}\t{message}\n"
        )
        sys.stdout.flush()


def configure_logging():
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(LambdaLogHandler())
    root.setLevel(logging.WARNING)


class LambdaContext:
    def __init__(self, request_id, deadline_ms, function_arn):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


class RuntimeFailure(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def stack_trace(error):
    return traceback.format_list(traceback.extract_tb(error.__traceback__))


def error_body(error):
    error_type = getattr(error, "error_type", None) or type(error).__name__
    return {
        "errorMessage": str(error),
        "errorType": error_type,
        "requestId": current_request_id,
        "stackTrace": [] if isinstance(error, RuntimeFailure) else stack_trace(error),
    }


def log_error(body):
    lines = [f"[ERROR] {body['errorType']}: {body['errorMessage']}", "Traceback (most recent call last):"]
    lines.extend(frame.rstrip("\n") for frame in body["stackTrace"])
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    try:
        module_path, function_name = spec.rsplit(".", 1)
    except ValueError as error:
        raise RuntimeFailure("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {error}") from None
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as error:
        message = f"Unable to import module '{module_path}': {error}"
        raise RuntimeFailure("Runtime.ImportModuleError", message) from None
    except SyntaxError as error:
        message = f"Syntax error in module '{module_path}': {error}"
        raise RuntimeFailure("Runtime.UserCodeSyntaxError", message) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        message = f"Handler '{function_name}' missing on module '{module_path}'"
        raise RuntimeFailure("Runtime.HandlerNotFound", message)
    return handler


def to_json(value):
    """Decimals (what boto3's DynamoDB resource returns) as numbers, as AWS's runtime marshals them."""

    def default(item):
        if isinstance(item, decimal.Decimal):
            return int(item) if item == item.to_integral_value() else float(item)
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    try:
        return json.dumps(value, default=default)
    except (TypeError, ValueError) as error:
        raise RuntimeFailure("Runtime.MarshalError", f"Unable to marshal response: {error}") from None


def leave_with_emulator():
    """An environment lives only as long as the emulator that started it."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    global current_request_id
    # The task root first, as on AWS; never this client's own folder.
    sys.path[:] = [task_root] + [path for path in sys.path[1:] if path != task_root]
    os.chdir(task_root)
    threading.Thread(target=leave_with_emulator, daemon=True).start()
    configure_logging()
    try:
        handler = load_handler()
    except Exception as error:  # noqa: BLE001 - every init failure is reported to the Runtime API
        body = error_body(error)
        log_error(body)
        flush_logs("init")
        request("POST", "/init/error", json.dumps(body), {"Lambda-Runtime-Function-Error-Type": body["errorType"]})
        sys.exit(1)
    while True:
        headers, event_body = request("GET", "/invocation/next")
        header = {name.lower(): value for name, value in headers}
        current_request_id = header.get("lambda-runtime-aws-request-id", "")
        context = LambdaContext(
            current_request_id,
            int(header.get("lambda-runtime-deadline-ms", "0")),
            header.get("lambda-runtime-invoked-function-arn"),
        )
        try:
            result = to_json(handler(json.loads(event_body or "{}"), context))
            failure = None
        except Exception as error:  # noqa: BLE001 - a handler's error is the invocation's result
            failure = error_body(error)
            log_error(failure)
        flush_logs(current_request_id)
        if failure is None:
            request("POST", f"/invocation/{current_request_id}/response", result)
        else:
            request(
                "POST",
                f"/invocation/{current_request_id}/error",
                json.dumps(failure),
                {"Lambda-Runtime-Function-Error-Type": failure["errorType"]},
            )


main()
