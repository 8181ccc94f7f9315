/** First word of every v1.1 image except inventory (CRIU's magic.h). */
export const IMG_COMMON_MAGIC = 0x54564319;
/** First word of the service files `stats-*` and `irmap-cache`. */
export const IMG_SERVICE_MAGIC = 0x55105940;
/** Magic of inventory.img, the one image that stays single-magic in v1.1. */
export const INVENTORY_MAGIC = 0x58313116;
