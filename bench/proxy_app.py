"""What bench_proxy serves: one small method, add(a, b), behind our proxy and behind the peers."""
from pycopia_www.proxy import Proxy
from pycopia_www.urls import route


def add(a, b):
    return a + b


# Ours: a route module, built into a backend application like any other (build_app).
proxy = Proxy([add], title="bench")
routes = [route(r"^/rpc$", "proxy_app.proxy")]


def jsonrpc_flask_app():
    """The peer: the json-rpc package's dispatcher in a Flask view, as its documentation shows."""
    from flask import Flask, Response, request
    from jsonrpc import Dispatcher, JSONRPCResponseManager

    app = Flask("bench_proxy_peer")
    dispatcher = Dispatcher({"add": add})

    @app.post("/rpc")
    def rpc():
        response = JSONRPCResponseManager.handle(request.get_data(), dispatcher)
        return Response(response.json, mimetype="application/json")
    return app


def flask_json_app():
    """A plain Flask JSON view doing the same work without any RPC layer: the floor."""
    from flask import Flask, jsonify, request

    app = Flask("bench_proxy_plain")

    @app.post("/rpc")
    def rpc():
        call = request.get_json()
        return jsonify({"jsonrpc": "2.0", "id": call["id"], "result": add(*call["params"])})
    return app
