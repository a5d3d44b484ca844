import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** `#/connection/abc/lists` → ['connection', 'abc', 'lists'] */
  path: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  return { path: pathPart.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(queryPart) };
}

/** The dashboard's page lives in the URL hash, so reloads and links from the popup land right. */
export function useHashRoute(): [Route, (hash: string) => void] {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return [route, (hash: string) => void (location.hash = hash)];
}
