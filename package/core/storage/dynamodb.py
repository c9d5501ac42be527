"""AWS record driver: one DynamoDB table with a string hash key `pk` and range key `sk`.

Each record's fields live in a map attribute `item`, so a Check's expected values become a condition
expression. Numbers travel as Decimal (DynamoDB's only number type) and come back as int or float.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from contextlib import suppress
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from package.core.storage.interface import (
    Check,
    ConditionFailed,
    Delete,
    Item,
    Operation,
    Put,
    Record,
    StorageError,
)

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems call
MAX_BATCH_GET_KEYS = 100  # DynamoDB's limit for one BatchGetItem call
CLEAR_PASSES = 5  # a clear's scans: the last finds nothing unless writers keep writing through all
_BATCH_GET_ATTEMPTS = 8
_pause = time.sleep  # between retries of unprocessed keys (tests replace it)
EXTRA_SERVER_ERROR_ATTEMPTS = 4


class DynamoRecordStore:
    """RecordStore over one DynamoDB table (boto3's resource API)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def get(self, pk: str, sk: str) -> Item | None:
        """The item at these keys, or None."""
        response = self._call(self._table.get_item, Key={"pk": pk, "sk": sk}, ConsistentRead=True)
        found = response.get("Item")
        return None if found is None else _from_dynamo(found.get("item", {}))

    def put(self, pk: str, sk: str, item: Item, *, if_absent: bool = False) -> None:
        """Write one item; raises ConditionFailed when `if_absent` and it exists."""
        extra = {"ConditionExpression": "attribute_not_exists(pk)"} if if_absent else {}
        self._call(self._table.put_item, Item={"pk": pk, "sk": sk, "item": _to_dynamo(item)}, **extra)

    def delete(self, pk: str, sk: str) -> None:
        """Remove one item if present."""
        self._call(self._table.delete_item, Key={"pk": pk, "sk": sk})

    def query(self, pk: str, *, prefix: str = "") -> list[Record]:
        """Every item of one partition whose sort key starts with `prefix`, in sort-key order."""
        expression = "pk = :pk AND begins_with(sk, :prefix)" if prefix else "pk = :pk"
        values: dict[str, str] = {":pk": pk} | ({":prefix": prefix} if prefix else {})
        records: list[Record] = []
        start: dict[str, Any] | None = None
        while True:
            page_args: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            response = self._call(
                self._table.query,
                KeyConditionExpression=expression,
                ExpressionAttributeValues=values,
                ConsistentRead=True,
                **page_args,
            )
            records += [Record(pk, str(i["sk"]), _from_dynamo(i.get("item", {}))) for i in response["Items"]]
            start = response.get("LastEvaluatedKey")
            if not start:
                return records

    def query_page(self, pk: str, *, prefix: str = "", after: str | None = None, limit: int) -> list[Record]:
        """At most `limit` items of one partition whose sort key starts with `prefix` and is above `after`."""
        items = self._page(pk, prefix, after, limit)
        return [Record(pk, str(i["sk"]), _from_dynamo(i.get("item", {}))) for i in items]

    def key_page(self, pk: str, *, after: str | None = None, limit: int) -> list[str]:
        """`query_page`'s sort keys alone (no prefix): only the key attribute is returned."""
        return [str(i["sk"]) for i in self._page(pk, "", after, limit, keys_only=True)]

    def _page(
        self, pk: str, prefix: str, after: str | None, limit: int, *, keys_only: bool = False
    ) -> list[dict[str, Any]]:
        """One page's raw items.

        `after` goes into the key condition (not ExclusiveStartKey, which must name a stored item on some
        implementations); with a prefix too, the condition is the inclusive range [after, prefix + U+10FFFF]
        and the item at `after` itself, if any, is dropped. DynamoDB may stop early (1 MB): read until full.
        """
        if limit < 1 or (prefix and after is not None and after >= prefix + "\U0010ffff"):
            return []
        expression, values = _page_condition(pk, prefix, after)
        projection: dict[str, Any] = (
            {"ProjectionExpression": "#sk", "ExpressionAttributeNames": {"#sk": "sk"}} if keys_only else {}
        )
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while len(items) < limit:
            page_args: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            response = self._call(
                self._table.query,
                KeyConditionExpression=expression,
                ExpressionAttributeValues=values,
                ConsistentRead=True,
                Limit=limit - len(items) + (1 if after is not None and prefix else 0),
                **projection,
                **page_args,
            )
            items += [i for i in response["Items"] if str(i["sk"]) != after]
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        return items[:limit]

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """The items at these keys that exist, by (pk, sk): BatchGetItem, 100 keys a call, retrying the
        keys DynamoDB leaves unprocessed (with a growing pause, as AWS advises). The resource's client
        (de)serializes Python values, as in `transact`."""
        found: dict[tuple[str, str], Item] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), MAX_BATCH_GET_KEYS):
            request: dict[str, Any] = {
                self._table.name: {
                    "Keys": [{"pk": pk, "sk": sk} for pk, sk in unique[start : start + MAX_BATCH_GET_KEYS]],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(_BATCH_GET_ATTEMPTS):
                response = self._call(self._client.batch_get_item, RequestItems=request)
                for item in response.get("Responses", {}).get(self._table.name, []):
                    found[(str(item["pk"]), str(item["sk"]))] = _from_dynamo(item.get("item", {}))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                _pause(min(1.0, 0.05 * 2**attempt))
            else:
                raise StorageError(f"DynamoDB left {len(request)} batch reads unprocessed; try again")
        return found

    def put_many(self, items: Sequence[Record]) -> None:
        """Write many unconditional items (BatchWriteItem, 25 a call, retrying unprocessed ones)."""
        try:
            with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
                for record in items:
                    batch.put_item(Item={"pk": record.pk, "sk": record.sk, "item": _to_dynamo(record.item)})
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"DynamoDB batch write failed: {exc}") from exc

    def delete_many(self, keys: Sequence[tuple[str, str]]) -> None:
        """Remove many items if present (BatchWriteItem, 25 a call, retrying unprocessed ones)."""
        try:
            with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
                for pk, sk in keys:
                    batch.delete_item(Key={"pk": pk, "sk": sk})
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"DynamoDB batch delete failed: {exc}") from exc

    @property
    def transaction_limit(self) -> int:
        """50 operations: well inside the 100 items DynamoDB takes in one transaction."""
        return 50

    def transact(self, operations: Sequence[Operation]) -> None:
        """Apply all operations or none (up to 100 at once; larger sets go in batches, conditions first).

        DynamoDB allows one operation per item in a transaction, so a Check on an item that the same
        transaction writes becomes that write's condition.
        """
        checks = {(op.pk, op.sk): op for op in operations if isinstance(op, Check)}
        written = {(op.pk, op.sk) for op in operations if not isinstance(op, Check)}
        items = [
            _transact_item(self._table.name, op, checks.get((op.pk, op.sk)))
            for op in operations
            if not (isinstance(op, Check) and (op.pk, op.sk) in written)
        ]
        items.sort(key=lambda item: 0 if "ConditionCheck" in item or _conditional(item) else 1)
        for start in range(0, len(items), MAX_TRANSACTION_ITEMS):
            self._transact_chunk(items[start : start + MAX_TRANSACTION_ITEMS])

    def _transact_chunk(self, items: list[dict[str, Any]]) -> None:
        # A server error (500) outlasting the SDK's own retries is tried a few more times with a longer
        # back-off: moto's server answers 500 when a transaction copies the table while another request
        # writes to it, which the index's batch writes make frequent under load.
        for attempt in range(EXTRA_SERVER_ERROR_ATTEMPTS + 1):
            try:
                self._call(self._client.transact_write_items, TransactItems=items)
                return
            except StorageError as exc:
                server_error = isinstance(exc.__cause__, ClientError) and (
                    exc.__cause__.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
                )
                if (
                    isinstance(exc, ConditionFailed)
                    or not server_error
                    or attempt == EXTRA_SERVER_ERROR_ATTEMPTS
                ):
                    raise
                time.sleep(0.25 * 2**attempt)

    def increment(self, pk: str, sk: str, field_name: str, amount: int = 1) -> int:
        """Atomically add to a numeric field (creating the item) and return the new value."""
        for _ in range(3):
            try:
                response = self._call(
                    self._table.update_item,
                    Key={"pk": pk, "sk": sk},
                    UpdateExpression="ADD #item.#field :amount",
                    ConditionExpression="attribute_exists(#item)",
                    ExpressionAttributeNames={"#item": "item", "#field": field_name},
                    ExpressionAttributeValues={":amount": amount},
                    ReturnValues="ALL_NEW",
                )
            except ConditionFailed:
                # No item yet: create an empty one (one writer wins), then add to it.
                with suppress(ConditionFailed):
                    self.put(pk, sk, {}, if_absent=True)
                continue
            return int(response["Attributes"]["item"][field_name])
        raise StorageError(f"could not increment {field_name} of ({pk}, {sk})")

    def clear(self) -> None:
        """Remove every item, in passes until one finds none (at most CLEAR_PASSES).

        A scan and its deletes are not one step: a write landing between them (a transaction whose checks
        passed before the deletes) would outlive a single pass. Ending on a pass that saw an empty table,
        a writer conditioned on an item from before the clear cannot write after it returns. Writers that
        keep writing through every pass are writing after the clear, and what they wrote stays.
        """
        for _ in range(CLEAR_PASSES):
            if not self._clear_pass():
                return

    def _clear_pass(self) -> int:
        """Delete every item one scan finds; returns how many."""
        deleted = 0
        start: dict[str, Any] | None = None
        while True:
            page_args: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            response = self._call(self._table.scan, ProjectionExpression="pk, sk", **page_args)
            with self._table.batch_writer() as batch:
                for key in response["Items"]:
                    batch.delete_item(Key={"pk": key["pk"], "sk": key["sk"]})
            deleted += len(response["Items"])
            start = response.get("LastEvaluatedKey")
            if not start:
                return deleted

    def _call(self, method: Any, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
                reasons = exc.response.get("CancellationReasons") or []
                if code == "ConditionalCheckFailedException" or any(
                    r.get("Code") == "ConditionalCheckFailed" for r in reasons
                ):
                    raise ConditionFailed(f"DynamoDB condition failed: {exc}") from exc
            raise StorageError(f"DynamoDB {code or 'error'}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"DynamoDB unreachable: {exc}") from exc


def _page_condition(pk: str, prefix: str, after: str | None) -> tuple[str, dict[str, str]]:
    """The key condition of one page: the partition, then the sort keys above `after` within `prefix`."""
    values = {":pk": pk}
    if after is not None and prefix and after >= prefix:
        return "pk = :pk AND sk BETWEEN :low AND :high", values | {
            ":low": after,
            ":high": prefix + "\U0010ffff",
        }
    if after is not None and not prefix:
        return "pk = :pk AND sk > :after", values | {":after": after}
    if prefix:
        return "pk = :pk AND begins_with(sk, :prefix)", values | {":prefix": prefix}
    return "pk = :pk", values


def _conditional(item: dict[str, Any]) -> bool:
    return any("ConditionExpression" in body for body in item.values())


def _transact_item(table: str, op: Operation, check: Check | None) -> dict[str, Any]:
    # The resource's client serializes Python values itself (boto3 injects its transformer there).
    body: dict[str, Any] = {"TableName": table, "Key": {"pk": op.pk, "sk": op.sk}}
    condition = check or (op if isinstance(op, Check) else None)
    if isinstance(op, Put) and op.if_absent:
        body["ConditionExpression"] = "attribute_not_exists(pk)"
    elif condition is not None:
        expression = "attribute_exists(pk)" if condition.exists else "attribute_not_exists(pk)"
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        for index, (name, value) in enumerate((condition.equals or {}).items()):
            names |= {"#item": "item", f"#f{index}": name}
            values[f":v{index}"] = _to_dynamo(value)
            expression += f" AND #item.#f{index} = :v{index}"
        body["ConditionExpression"] = expression
        if names:
            body |= {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
    if isinstance(op, Put):
        item = body.pop("Key") | {"item": _to_dynamo(op.item)}
        return {"Put": body | {"Item": item}}
    return {"Delete" if isinstance(op, Delete) else "ConditionCheck": body}


def _to_dynamo(value: Any) -> Any:
    """JSON-ready values with floats as Decimal, as DynamoDB takes them."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value
