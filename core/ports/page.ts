/** Paging for listings that may hold 100,000+ rows. Order is the port's documented order. */
export interface PageRequest {
  offset?: number;
  limit?: number;
}
export interface Page<T> {
  items: T[];
  total: number;
}
