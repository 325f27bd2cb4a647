/*
 * The common operating picture: a Leaflet map drawn entirely from JointEx's own server.
 *
 * No tile layer: the land is Natural Earth 1:50m from the world-atlas TopoJSON, converted in the
 * browser with topojson-client, over a sea-coloured background. On top: the scenario's areas
 * (styled by kind), lines (the median line dashed), points (bases), and forces or tracks as
 * MIL-STD-2525D symbols drawn by milsymbol. Every URL comes from a data attribute of #map:
 *   data-land-url       world-atlas land TopoJSON
 *   data-geography-url  GeoJSON of areas, lines and points (properties id, name, kind)
 *   data-forces-url     GeoJSON Points with properties id, name, side, nation, sidc, ...
 *                       (optional: the exercise pages show tracks only)
 *   data-tracks-url     optional GeoJSON Points of tracks (same properties as forces)
 * When everything has loaded, #map gets data-state="ready" (or "error") and counts in
 * data-areas, data-lines, data-points, data-forces and data-tracks. JointEx.map.reloadTracks()
 * reads the tracks again.
 */
(function () {
  "use strict";

  var SYMBOL_SIZE = 24;
  // Symbols of forces that share a base are fanned out on a ring this far (px) from it.
  var FAN_RADIUS = 26;

  var AREA_STYLES = {
    adiz: { color: "#9d174d", weight: 2, dashArray: "10 4 2 4", fillColor: "#9d174d", fillOpacity: 0.03 },
    "adiz-sector": { color: "#be185d", weight: 1.2, dashArray: "4 3", fillColor: "#f472b6", fillOpacity: 0.08 },
    "exercise-area": { color: "#b91c1c", weight: 2, fillColor: "#ef4444", fillOpacity: 0.28 },
    "territorial-sea": { color: "#1d4ed8", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.18 },
    zone: { color: "#475569", weight: 1.5, dashArray: "6 4", fillColor: "#94a3b8", fillOpacity: 0.12 }
  };
  var LINE_STYLE = { color: "#111827", weight: 2.5, dashArray: "12 8", opacity: 0.9 };
  var POINT_COLOURS = {
    airbase: "#1f2937",
    "naval-base": "#1e3a8a",
    port: "#0e7490",
    radar: "#6b21a8",
    city: "#57534e",
    "army-base": "#3f6212",
    point: "#374151"
  };
  var KIND_LABELS = {
    adiz: "ADIZ",
    "adiz-sector": "ADIZ sector",
    "exercise-area": "Exercise / drill area",
    "territorial-sea": "Territorial sea / restricted waters",
    zone: "Zone",
    airbase: "Air base",
    "naval-base": "Naval base",
    port: "Port",
    radar: "Radar site",
    city: "City",
    "army-base": "Army base",
    point: "Point"
  };

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setStatus(text, isError) {
    var status = document.getElementById("map-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("map-status--error", Boolean(isError));
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) {
          return response.text().then(function (body) {
            var detail = body;
            try {
              detail = JSON.parse(body).detail || body;
            } catch (ignored) {
              /* plain text */
            }
            throw new Error(url + ": " + response.status + " " + detail);
          });
        }
        return response.json();
      }
    );
  }

  /* A definition list of label/value pairs, for popups. */
  function details(title, rows) {
    var box = element("div", "jx-popup");
    box.appendChild(element("h3", "jx-popup__title", title));
    var list = element("dl", "jx-popup__list");
    rows.forEach(function (row) {
      if (row[1] === undefined || row[1] === null || row[1] === "") return;
      list.appendChild(element("dt", null, row[0]));
      list.appendChild(element("dd", null, row[1]));
    });
    box.appendChild(list);
    return box;
  }

  function landLayer(topology) {
    var name = topology.objects.land ? "land" : Object.keys(topology.objects)[0];
    var land = window.topojson.feature(topology, topology.objects[name]);
    return L.geoJSON(land, {
      interactive: false,
      style: { color: "#8c8270", weight: 0.8, fillColor: "#efeadf", fillOpacity: 1, className: "jx-land" }
    });
  }

  function geographyLayers(collection) {
    var areas = L.featureGroup();
    var lines = L.featureGroup();
    var points = L.featureGroup();
    var counts = { areas: 0, lines: 0, points: 0 };
    (collection.features || []).forEach(function (feature) {
      var p = feature.properties || {};
      var type = feature.geometry && feature.geometry.type;
      var kindLabel = KIND_LABELS[p.kind] || p.kind;
      var layer;
      if (type === "Polygon" || type === "MultiPolygon") {
        layer = L.geoJSON(feature, { style: AREA_STYLES[p.kind] || AREA_STYLES.zone });
        layer.eachLayer(function (shape) {
          shape.options.className = "jx-area jx-area--" + p.kind;
        });
        areas.addLayer(layer);
        counts.areas += 1;
      } else if (type === "LineString" || type === "MultiLineString") {
        layer = L.geoJSON(feature, { style: LINE_STYLE });
        lines.addLayer(layer);
        counts.lines += 1;
        kindLabel = "Line";
      } else if (type === "Point") {
        var c = feature.geometry.coordinates;
        layer = L.circleMarker([c[1], c[0]], {
          radius: 4,
          color: "#ffffff",
          weight: 1.5,
          fillColor: POINT_COLOURS[p.kind] || POINT_COLOURS.point,
          fillOpacity: 1
        });
        points.addLayer(layer);
        counts.points += 1;
      } else {
        return;
      }
      layer.bindTooltip(p.name || p.id, { sticky: type !== "Point" });
      layer.bindPopup(details(p.name || p.id, [["Kind", kindLabel], ["Id", p.id], ["Marking", p.marking]]));
      tagPaths(layer, p);
    });
    return { areas: areas, lines: lines, points: points, counts: counts };
  }

  /* Give each SVG path a class and the feature id once it is drawn (for styling and tests). */
  function tagPaths(layer, properties) {
    layer.on("add", function () {
      var each = layer.eachLayer ? layer.eachLayer.bind(layer) : function (fn) { fn(layer); };
      each(function (shape) {
        var path = shape.getElement && shape.getElement();
        if (!path) return;
        path.classList.add("jx-feature", "jx-kind--" + (properties.kind || "feature"));
        path.setAttribute("data-feature-id", properties.id || "");
      });
    });
  }

  /* A milsymbol 2525D symbol as a Leaflet icon, anchored at the symbol's own anchor point. */
  function symbolIcon(sidc, offset) {
    var symbol = new window.ms.Symbol(String(sidc || ""), { size: SYMBOL_SIZE });
    var anchor = symbol.getAnchor();
    var size = symbol.getSize();
    return L.divIcon({
      className: "jx-symbol" + (symbol.isValid() ? "" : " jx-symbol--invalid"),
      html: symbol.asSVG(),
      iconSize: [Math.ceil(size.width), Math.ceil(size.height)],
      iconAnchor: [anchor.x - offset[0], anchor.y - offset[1]],
      popupAnchor: [offset[0], offset[1] - anchor.y]
    });
  }

  /* Pixel offsets that fan n symbols out around one position (none for a single symbol). */
  function fanOffsets(n) {
    if (n <= 1) return [[0, 0]];
    var offsets = [];
    for (var i = 0; i < n; i += 1) {
      var angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
      offsets.push([Math.round(FAN_RADIUS * Math.cos(angle)), Math.round(FAN_RADIUS * Math.sin(angle))]);
    }
    return offsets;
  }

  function sideLabel(side) {
    return { blue: "Blue (friend)", red: "Red (hostile)", neutral: "Neutral" }[side] || side;
  }

  /* Forces or tracks as symbol markers; returns one layer group per side and a marker index. */
  function symbolLayers(collection, what) {
    var groups = {};
    var byId = {};
    var atPosition = {};
    var features = (collection.features || []).filter(function (f) {
      return f.geometry && f.geometry.type === "Point";
    });
    features.forEach(function (f) {
      var key = f.geometry.coordinates.join(",");
      (atPosition[key] = atPosition[key] || []).push(f);
    });
    Object.keys(atPosition).forEach(function (key) {
      var here = atPosition[key];
      var offsets = fanOffsets(here.length);
      here.forEach(function (feature, index) {
        var p = feature.properties || {};
        var c = feature.geometry.coordinates;
        var side = p.side || "neutral";
        var label = (p.name || p.id) + ", " + sideLabel(side);
        var marker = L.marker([c[1], c[0]], {
          icon: symbolIcon(p.sidc, offsets[index]),
          keyboard: true,
          title: p.name || p.id,
          alt: label,
          riseOnHover: true
        });
        marker.bindPopup(
          details(p.name || p.id, [
            ["Side", sideLabel(side)],
            ["Nation", p.nation],
            ["Type", p.type],
            ["Count", p.count],
            ["Readiness", typeof p.readiness === "number" ? Math.round(p.readiness * 100) + "%" : ""],
            ["Base", p.base_name || p.base],
            ["SIDC (2525D)", p.sidc],
            ["Marking", p.marking]
          ])
        );
        marker.on("add", function () {
          var icon = marker.getElement();
          if (!icon) return;
          icon.setAttribute("role", "button");
          icon.setAttribute("aria-label", label);
          icon.setAttribute("data-" + what + "-id", p.id || "");
          icon.classList.add("jx-symbol--" + side);
        });
        groups[side] = groups[side] || L.layerGroup();
        groups[side].addLayer(marker);
        byId[p.id] = marker;
      });
    });
    return { groups: groups, byId: byId, count: features.length };
  }

  function legendControl() {
    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = element("section", "jx-legend leaflet-bar");
        box.setAttribute("aria-label", "Legend");
        box.appendChild(element("h2", "jx-legend__title", "Legend"));
        var list = element("ul", "jx-legend__list");
        [
          ["swatch swatch--adiz", "ADIZ"],
          ["swatch swatch--adiz-sector", "ADIZ sector"],
          ["swatch swatch--exercise-area", "Exercise / drill area"],
          ["swatch swatch--territorial-sea", "Restricted waters"],
          ["swatch swatch--line", "Median line"],
          ["swatch swatch--point", "Base or site"],
          ["swatch swatch--friend", "Friendly unit (2525D)"],
          ["swatch swatch--hostile", "Hostile unit (2525D)"]
        ].forEach(function (entry) {
          var item = element("li");
          var swatch = element("span", entry[0]);
          swatch.setAttribute("aria-hidden", "true");
          item.appendChild(swatch);
          item.appendChild(element("span", null, entry[1]));
          list.appendChild(item);
        });
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    return new Legend();
  }

  function fail(container, message) {
    container.setAttribute("data-state", "error");
    container.classList.add("map--error");
    var notice = element("p", "map-error", message);
    notice.setAttribute("role", "alert");
    container.appendChild(notice);
    setStatus(message, true);
  }

  function start() {
    var container = document.getElementById("map");
    if (!container) return;
    var data = container.dataset;
    if (!window.L || !window.ms || !window.topojson) {
      fail(container, data.missingMessage || "front-end assets not installed: run make");
      return;
    }

    var map = L.map(container, { zoomSnap: 0.25, keyboard: true, worldCopyJump: false });
    map.setView([24.5, 121], 6);
    map.attributionControl.addAttribution("Land: Natural Earth (world-atlas)");
    L.control.scale({ imperial: false }).addTo(map);
    legendControl().addTo(map);

    var overlays = {};
    var layerControl = L.control.layers(null, overlays, { collapsed: false, position: "topright" });
    layerControl.addTo(map);
    var state = { map: map, layers: {}, markers: {} };
    window.JointEx = window.JointEx || {};
    window.JointEx.map = state;

    function addOverlay(label, layer, key) {
      layer.addTo(map);
      layerControl.addOverlay(layer, label);
      state.layers[key] = layer;
    }

    var problems = [];
    var landPromise = fetchJson(data.landUrl).then(function (topology) {
      var land = landLayer(topology);
      addOverlay("Land", land, "land");
      land.bringToBack();
    });
    var geographyPromise = fetchJson(data.geographyUrl).then(function (collection) {
      var geo = geographyLayers(collection);
      addOverlay("Areas", geo.areas, "areas");
      addOverlay("Lines", geo.lines, "lines");
      addOverlay("Bases and sites", geo.points, "points");
      container.setAttribute("data-areas", geo.counts.areas);
      container.setAttribute("data-lines", geo.counts.lines);
      container.setAttribute("data-points", geo.counts.points);
      var bounds = L.featureGroup([geo.areas, geo.lines, geo.points]).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
      return geo.counts;
    });
    var forcesPromise = !data.forcesUrl ? Promise.resolve(0) : fetchJson(data.forcesUrl).then(function (collection) {
      var forces = symbolLayers(collection, "force");
      ["blue", "red", "neutral"].forEach(function (side) {
        if (forces.groups[side]) {
          addOverlay("Forces: " + sideLabel(side), forces.groups[side], "forces-" + side);
        }
      });
      state.markers = forces.byId;
      container.setAttribute("data-forces", forces.count);
      return forces.count;
    });
    function loadTracks() {
      return fetchJson(data.tracksUrl).then(function (collection) {
        var tracks = symbolLayers(collection, "track");
        var all = L.layerGroup(
          Object.keys(tracks.groups).map(function (side) {
            return tracks.groups[side];
          })
        );
        if (state.layers.tracks) {
          map.removeLayer(state.layers.tracks);
          layerControl.removeLayer(state.layers.tracks);
        }
        addOverlay("Tracks", all, "tracks");
        state.tracks = tracks.byId;
        container.setAttribute("data-tracks", tracks.count);
        // A page that loads tracks after it was served (the exercise pages) raises its banners
        // to the tracks' roll-up (collection.marking) through JointEx.marks when it has it.
        var marks = window.JointEx && window.JointEx.marks;
        if (marks && collection.marking) marks.show("map", [collection.marking]);
        return tracks.count;
      });
    }
    /* Read the tracks again (live updates on the exercise pages). */
    state.reloadTracks = data.tracksUrl ? loadTracks : function () { return Promise.resolve(0); };
    var tracksPromise = data.tracksUrl ? loadTracks() : Promise.resolve(0);

    var named = [
      ["land", landPromise],
      ["geography", geographyPromise],
      ["forces", forcesPromise],
      ["tracks", tracksPromise]
    ];
    Promise.all(
      named.map(function (entry) {
        return entry[1].catch(function (error) {
          problems.push("could not load " + entry[0] + " (" + error.message + ")");
        });
      })
    ).then(function () {
      if (problems.length) {
        container.setAttribute("data-state", "error");
        setStatus("Map incomplete: " + problems.join("; "), true);
        return;
      }
      container.setAttribute("data-state", "ready");
      var areas = container.getAttribute("data-areas");
      var forces = container.getAttribute("data-forces");
      var shown = data.forcesUrl ? forces + " forces" : (container.getAttribute("data-tracks") || 0) + " tracks";
      setStatus("Map ready: " + areas + " areas, " + shown + ". Use the layer list to show or hide them.");
    });

    wireForceButtons(state);
  }

  /* The side panel's buttons centre the map on a force and open its popup. */
  function wireForceButtons(state) {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-force-id]");
      if (!button || button.tagName !== "BUTTON") return;
      var marker = state.markers[button.getAttribute("data-force-id")];
      if (!marker) return;
      var map = state.map;
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 8));
      marker.openPopup();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
