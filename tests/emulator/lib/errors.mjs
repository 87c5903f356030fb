// errors.mjs - builds error responses in the wire form each client expects:
//   s3        <Error><Code/><Message/>...extra...<RequestId/><HostId/></Error> (application/xml)
//   sqs-json  {"__type":"<namespace>#Code","message":...} + x-amzn-query-error "Code;Sender|Receiver"
//   sqs-query <ErrorResponse><Error><Type/><Code/><Message/><Detail/></Error><RequestId/></ErrorResponse>
// An error is a plain object: { status, code, message, namespace?, queryCode?, extra? }.
// namespace defaults to "com.amazonaws.sqs"; authentication failures use
// "com.amazon.coral.service" as AWS's request layer does.

export function xmlEscape(text) {
    return String(text)
        .replaceAll("&", "&amp;")
        .replaceAll("<", "&lt;")
        .replaceAll(">", "&gt;")
        .replaceAll('"', "&quot;")
        .replaceAll("'", "&apos;");
}

export function apiError(status, code, message, more = {}) {
    return { status, code, message, ...more };
}

function fault(err) {
    return err.status >= 500 ? "Receiver" : "Sender";
}

function s3Body(err, ctx) {
    const parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<Error>",
        `<Code>${xmlEscape(err.code)}</Code>`, `<Message>${xmlEscape(err.message)}</Message>`];
    for (const [name, value] of Object.entries(err.extra || {})) {
        if (value !== undefined && value !== null) parts.push(`<${name}>${xmlEscape(value)}</${name}>`);
    }
    parts.push(`<RequestId>${xmlEscape(ctx.requestId)}</RequestId>`, `<HostId>${xmlEscape(ctx.hostId)}</HostId>`, "</Error>");
    return parts.join("");
}

export function renderError(dialect, err, ctx) {
    if (dialect === "s3") {
        return {
            status: err.status,
            headers: { "content-type": "application/xml", "x-amz-request-id": ctx.requestId, "x-amz-id-2": ctx.hostId },
            body: Buffer.from(s3Body(err, ctx)),
        };
    }
    const queryCode = err.queryCode || err.code;
    if (dialect === "sqs-query") {
        const xml = '<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error>' +
            `<Type>${fault(err)}</Type><Code>${xmlEscape(queryCode)}</Code><Message>${xmlEscape(err.message)}</Message><Detail/>` +
            `</Error><RequestId>${xmlEscape(ctx.requestId)}</RequestId></ErrorResponse>`;
        return {
            status: err.status,
            headers: { "content-type": "text/xml", "x-amzn-requestid": ctx.requestId },
            body: Buffer.from(xml),
        };
    }
    const namespace = err.namespace || "com.amazonaws.sqs";
    return {
        status: err.status,
        headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-requestid": ctx.requestId,
            "x-amzn-query-error": `${queryCode};${fault(err)}`,
        },
        body: Buffer.from(JSON.stringify({ __type: `${namespace}#${err.code}`, message: err.message })),
    };
}
