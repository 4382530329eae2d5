// Starts the vendored GraphiQL 4 (see README.md). A file, not an inline <script>: the page's CSP
// is script-src 'self'. Loaded after react, react-dom and graphiql.min.js, which set the globals
// React, ReactDOM and GraphiQL.
(function () {
  'use strict';

  var origin = window.location.origin;
  var wsScheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';

  // Queries and mutations: POST /graphql. Subscriptions: graphql-transport-ws on /graphql/ws,
  // through the graphql-ws client bundled in graphiql.min.js.
  //
  // Auth: the user pastes {"Authorization": "Bearer ..."} into the headers editor. GraphiQL sends
  // those headers with every HTTP request and, for a subscription, opens the socket with
  // connectionParams = {...wsConnectionParams, ...headers}, so connection_init carries
  // {"Authorization": "Bearer ..."}, which is what src/ws.rs reads (browsers cannot set headers
  // on a WebSocket). No wsConnectionParams are needed here.
  var fetcher = GraphiQL.createFetcher({
    url: origin + '/graphql',
    subscriptionUrl: wsScheme + window.location.host + '/graphql/ws',
  });

  // GraphiQL's history (graphiql:queries, graphiql:favorites) stores each run's headers in
  // localStorage even with shouldPersistHeaders: false (GraphiQL 3.x and 4.x alike), which would
  // leave the bearer token behind. This storage is localStorage with every `headers` value in a
  // stored JSON object, or in the objects of its arrays, written as null (the shape GraphiQL uses
  // for headers it does not persist, so its tab state still loads).
  function withoutHeaders(value) {
    var parsed;
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      return value;
    }
    if (!parsed || typeof parsed !== 'object') return value;
    var scrub = function (o) {
      if (o && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, 'headers')) o.headers = null;
    };
    scrub(parsed);
    Object.keys(parsed).forEach(function (k) {
      if (Array.isArray(parsed[k])) parsed[k].forEach(scrub);
    });
    return JSON.stringify(parsed);
  }
  var PREFIX = 'graphiql:';
  var storage = {
    getItem: function (k) {
      return localStorage.getItem(k);
    },
    setItem: function (k, v) {
      localStorage.setItem(k, withoutHeaders(v));
    },
    removeItem: function (k) {
      localStorage.removeItem(k);
    },
    clear: function () {
      Object.keys(localStorage).forEach(function (k) {
        if (k.indexOf(PREFIX) === 0) localStorage.removeItem(k);
      });
    },
    get length() {
      return Object.keys(localStorage).filter(function (k) {
        return k.indexOf(PREFIX) === 0;
      }).length;
    },
  };

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      // Never write the token to localStorage (and the storage above for the history).
      shouldPersistHeaders: false,
      storage: storage,
      // Opens the headers pane, with a template for the token. Every request needs one, the
      // schema's introspection too: after pasting it, use "Re-fetch GraphQL schema" (the
      // circular arrow at the bottom left, or Shift-Ctrl-R).
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
    })
  );
})();
