import { type Client, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { GatewayService } from '@mpr/contracts/gateway_pb';

export type GatewayClient = Client<typeof GatewayService>;

/**
 * The gateway's streams (Connect-Web) on the page's own origin: the API
 * forwards `/mpr.v1.GatewayService/*` to the gateway (services/api/src/http/gateway.proxy.ts),
 * so there is no second origin and no CORS. Every call carries the session's token.
 */
export function gatewayClient(token: () => string): GatewayClient {
  const authorization: Interceptor = (next) => (request) => {
    const value = token();
    if (value) request.header.set('authorization', `Bearer ${value}`);
    return next(request);
  };
  return createClient(GatewayService, createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true, interceptors: [authorization] }));
}
