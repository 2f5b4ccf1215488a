// Admission control across the whole process (Hyperion's process-wide stream
// admission): every connection of every server counts its open streams here,
// and a new stream over the cap is refused with REFUSED_STREAM (RFC 9113
// §8.7: the peer knows it was not processed and may retry), so no mix of
// connections can hold more streams than the process can serve.

/** admission holds the process-wide counts; only the connections change them. */
export const admission = {
  /** Request streams open now, over every connection in this process. */
  streamsInFlight: 0,
  /** Client connections (HTTP/2 and HTTP/1.1, TLS handshakes included) open now in this process. */
  connections: 0,
};
