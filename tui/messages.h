/*
 * messages — every text the screens show, in one table, both languages side
 * by side (as the key table holds the keys' help): an id per message, its
 * English and its Chinese.  A screen names a message by its id and never
 * writes text of its own, so a word cannot be translated in one screen and
 * forgotten in another; tests/lint/test_tui_messages.sh refuses a Chinese
 * string literal anywhere else in tui/ and a message whose two languages
 * take different printf conversions.
 *
 * What the screens show from elsewhere (labels, hints and choices from the
 * forms, the sync's status words composed by sync/) is not here.
 */
#ifndef FIELDCHECK_TUI_MESSAGES_H
#define FIELDCHECK_TUI_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "forms/forms.h"

struct tui_app;

#define TUI_MESSAGES(X) \
	X(MY_DAY, "My day", "我的今天") \
	X(NO_RECORDS_YET_TODAY, "No records yet today.", "今天还没有记录。") \
	X(SENT, "sent", "已发送") \
	X(QUEUED, "queued", "待发送") \
	X(DRAFT_NOT_SAVED, "Draft not saved", "草稿未保存") \
	X(NO_CURRENT_GPS_FIX, "no current GPS fix", "当前没有 GPS 定位") \
	X(DISCARD_DRAFT_F8_AGAIN, "Discard this draft? F8 again discards, any other key keeps it.", \
	    "删除此草稿？再按 F8 删除，按其他键保留。") \
	X(DRAFT_DISCARDED, "Draft discarded", "草稿已删除") \
	X(WHOLE_NUMBER, "whole number", "整数") \
	X(NUMBER, "number", "数字") \
	X(LAT_LON_ALT_ACC, "lat lon alt acc  (F5: use GPS)", \
	    "纬度 经度 高度 精度（F5 用 GPS）") \
	X(PATH_PHOTO_FILE, "path of the photo file: it is imported and kept with the record", \
	    "照片文件路径：导入后随记录保存") \
	X(PATH_OF_FILE, "path of the file", "文件路径") \
	X(ENTER_CONTINUE, "Enter: continue", "Enter 继续") \
	X(F4_SAVE_NOW, "F4: save now", "F4 现在保存") \
	X(DRAFT, "Draft", "草稿") \
	X(RECORD_NO_LONGER_DRAFT, "That record is no longer a draft.", "该记录已不是草稿。") \
	X(CHECKLIST_HAS_NO_QUESTION, "This checklist has no question to answer.", \
	    "此检查表没有可回答的问题。") \
	X(GPS_OFF, "GPS is off", "GPS 已关闭") \
	X(FIX_STALE, "fix is stale", "定位已过时") \
	X(NO_FIX, "no fix", "无定位") \
	X(NOT_SAVED, "Not saved", "未保存") \
	X(SAVED, "Saved", "已保存") \
	X(SAVE, "Save", "保存") \
	X(NO_USABLE_POSITION, "No usable position", "没有可用的位置") \
	X(SAVE_KEYS_GOOD, "Enter: save   0: the rest none found, save   2: type position   3: save without", \
	    "Enter 保存  0 其余未发现并保存  2 手动输入位置  3 无位置保存") \
	X(SAVE_KEYS_WAIT, "1: wait for a fix   2: type position   3: save without position", \
	    "1 等待定位  2 手动输入位置  3 无位置保存") \
	X(SAVE_KEYS_NO_GPS, "2: type position   3: save without position", \
	    "2 手动输入位置  3 无位置保存") \
	X(WAITING_FIX_SAVES_ITSELF, "Waiting for a fix: saves by itself when it comes (Esc: stop waiting)", \
	    "正在等待定位：定位到达后自动保存（Esc 停止等待）") \
	X(POSITION_LAT_LON_ACC, "Position (lat,lon[,acc m]):", "位置（纬度,经度[,精度]）：") \
	X(WHY_NO_POSITION, "Why no position?", "为什么没有位置？") \
	X(WHY_TYPED_HAND, "Why typed by hand?", "为什么手动输入？") \
	X(REASON_ENTER_SAVES, "Reason (Enter saves):", "原因（Enter 保存）：") \
	X(TYPE_LATITUDE_LONGITUDE_E, "type latitude,longitude e.g. 31.2304,121.4737", \
	    "请输入 纬度,经度，例如 31.2304,121.4737") \
	X(TYPE_REASON_ESC_PICK, "Type a reason, or Esc to pick one", \
	    "请输入原因，或按 Esc 选择") \
	X(NO_POSITION_KEYS_WAIT, "1 wait, 2 type, 3 save without", \
	    "1 等待 2 手动 3 无位置") \
	X(NO_POSITION_KEYS, "2 type, 3 save without", "2 手动 3 无位置") \
	X(NONE_FOUND, "None found:", "未发现：") \
	X(DRAFTS, "Drafts", "草稿") \
	X(DRAFT_WAITING_ENTER_RESUMES, "A draft is waiting: Enter resumes it", \
	    "有未完成的草稿：按 Enter 继续") \
	X(RESUME, "Resume", "继续") \
	X(ANSWERS_WORD, "answers", "项") \
	X(REVIEW_TODAY_SUPERVISOR, "Review today (supervisor)", "审核今天（主管）") \
	X(TODAY, "Today", "今天") \
	X(CHECKLISTS, "Checklists", "检查表") \
	X(DRAFT_S_CHECKLIST_NO, "This draft's checklist is no longer installed.", \
	    "此草稿的检查表已不再安装。") \
	X(INSPECTOR, "Inspector", "巡查员") \
	X(WHO_INSPECTING_TYPE_YOUR, "Who is inspecting? Type your inspector ID and press Enter. It is remembered.", \
	    "请输入巡查员编号并按 Enter（会被记住）。") \
	X(TYPE_YOUR_INSPECTOR_ID, "Type your inspector ID (it is too long or empty).", \
	    "请输入巡查员编号（为空或太长）。") \
	X(NOT_REMEMBERED, "Not remembered", "未能记住") \
	X(MANUAL_WORD, "manual", "手工") \
	X(NO_POSITION_SHORT, "NONE", "无位置") \
	X(APPROVED, "approved", "已批准") \
	X(FOLLOW_UP, "follow-up", "需跟进") \
	X(REJECTED, "rejected", "已拒绝") \
	X(UNREVIEWED, "unreviewed", "未审核") \
	X(SUPERVISOR_SHORT, "[sup]", "[主管]") \
	X(READ_ONLY_SHORT, "[RO: P]", "[只读:P]") \
	X(REVIEW, "Review", "审核") \
	X(SEVERE_WORD, "severe", "严重") \
	X(RECORDS_WORD, "records", "条记录") \
	X(SEVERE_OPEN, "severe open", "未处理严重") \
	X(SUPERVISOR, "[supervisor]", "[主管]") \
	X(READ_ONLY_P_PIN, "[read only: P for PIN]", "[只读：按 P 输入 PIN]") \
	X(INSPECTORS, "Inspectors:", "检查员:") \
	X(ASSET_TYPES, "Asset types:", "资产类型:") \
	X(TIME_HZ_P_ASSET, "   time  hz  p asset       inspector", \
	    "   时间  隐患 位 资产         巡查员") \
	X(TIME_INSPECTOR_FORM_ASSET, "  time  inspector form     asset / hazards S M m / position / state", \
	    "  时间  巡查员   表单     资产 / 隐患 严重 中 轻 / 位置 / 状态") \
	X(NO_RECORDS_DAY_STEP, "No records on this day.  [ ] step days.", \
	    "这一天没有记录。[ ] 换日期。") \
	X(NO_RECORD_MATCHES_FILTER, "No record matches the filter (c clears).", \
	    "没有符合筛选的记录 (c 清除)。") \
	X(REJECT_COMMENT, "Reject, comment: ", "拒绝，备注: ") \
	X(FOLLOW_UP_COMMENT, "Follow-up, comment: ", "需跟进，备注: ") \
	X(YOUR_NAME, "Your name: ", "您的姓名: ") \
	X(SUPERVISOR_PIN, "Supervisor PIN: ", "主管 PIN: ") \
	X(REVIEW_FOOTER, "%zu/%zu  marked %zu   Enter open  a/f/r decide  m map  ? keys", \
	    "%zu/%zu  已标记 %zu   Enter 打开  a/f/r 审核  m 地图  ? 按键") \
	X(NO_RECORD_DECIDE, "No record to decide on.", "没有可审核的记录。") \
	X(WRONG_PIN_TYPE_AGAIN, "Wrong PIN. Type it again (Esc: cancel).", \
	    "PIN 错误。请重新输入（Esc 取消）。") \
	X(SUPERVISOR_MODE, "Supervisor mode.", "主管模式。") \
	X(TYPE_YOUR_NAME_DECISIONS, "Type your name: decisions carry it.", \
	    "请输入您的姓名：审核记录会带上它。") \
	X(POSITION, "Position:", "位置:") \
	X(TYPED_HAND_MANUAL, "TYPED BY HAND (manual)", "手工输入 (manual)") \
	X(REASON, "Reason:", "原因:") \
	X(POSITION_NONE_NO_POSITION, "Position: NONE (no position recorded)", \
	    "位置: 无 (未记录位置)") \
	X(DELIVERED_DEVICE, "Delivered by device", "送达设备") \
	X(INSPECTOR_AS_DEVICE_SAYS, "inspector as that device says:", "检查员由该设备声明:") \
	X(ANSWERS_HEAD, "Answers:", "回答:") \
	X(FORM_NOT_INSTALLED_NAMES, "(form not installed: names shown)", \
	    "(未安装表单: 显示名称)") \
	X(SEVERE_TITLE, "Severe", "严重") \
	X(MODERATE, "moderate", "中等") \
	X(MINOR, "minor", "轻微") \
	X(REVIEW_HEAD, "Review:", "审核:") \
	X(REVISION_CHAIN_NEWEST_FIRST, "Revision chain (newest first):", "修订链 (最新在前):") \
	X(NOT_HERE, "not here:", "不在本库:") \
	X(LATER_RECORD_DAY_REPLACES, "A later record of this day replaces this one.", \
	    "本日有更新的记录取代了这条记录。") \
	X(FORM, "Form", "表单") \
	X(VERSION, "version", "版本") \
	X(DEVICE, "device", "设备") \
	X(RECORD, "Record", "记录") \
	X(MAP, "Map", "地图") \
	X(PLACED, "placed", "有位置") \
	X(WITHOUT_POSITION, "without position", "无位置") \
	X(NO_POSITIONS_DRAW, "No positions to draw.", "没有可显示的位置。") \
	X(TOO_MANY_SCREENS_OPEN, "Too many screens open.", "打开的屏幕太多。") \
	X(QUEUED_N, "queued %lld", "待发送 %lld") \
	X(QUEUE_UNREADABLE_S, "queue unreadable: %s", "队列无法读取：%s") \
	X(SENDING_N_N, " · sending %lld/%lld", " · 正在发送 %lld/%lld") \
	X(OFFLINE_RETRY_N_S, " · offline, retry in %lld s", " · 离线，%lld 秒后重试") \
	X(OFFLINE, " · offline", " · 离线") \
	X(REFUSED_N, " · refused %lld", " · 被拒 %lld") \
	X(REFUSED, " · refused", " · 被拒") \
	X(LAST_SYNC_S_S, " · last sync %s %s", " · 上次同步 %s %s") \
	X(QUEUE, "queue", "待发送") \
	X(SYNC, "sync", "同步") \
	X(OFF_WORD, "off", "关") \
	X(KEYS_ESC_BACK, "Keys (Esc: back)", "按键（Esc 返回）") \
	X(SYNC_STOPPED, "Sync stopped", "同步已停止") \
	X(WORKER_EXITED, "the worker exited", "同步进程已退出") \
	X(HAZARDS_SHORT, "hz", "隐患") \
	X(DAY_SEVERE, "SEVERE", "严重") \
	X(REASON_INDOORS, "indoors", "室内") \
	X(REASON_UNDER_BRIDGE, "under a bridge or cover", "桥下或遮挡") \
	X(REASON_RECEIVER_FAULT, "GPS receiver fault", "GPS 接收器故障") \
	X(REASON_OTHER, "other (type)", "其他（输入）") \
	X(SORT_TIME, "time", "时间") \
	X(SORT_INSPECTOR, "inspector", "巡查员") \
	X(SORT_FORM, "form", "表单") \
	X(SORT_SEVERITY, "severity", "严重程度") \
	X(SORT_STATE, "state", "状态") \
	X(FILTER_LINE, "sort:%s  insp:%s form:%s sev:%s state:%s%s%s", \
	    "排序:%s  巡查员:%s 表单:%s 严重:%s 状态:%s%s%s") \
	X(RECORD_ONE, "record", "条记录") \
	X(STATUS_GPS_OFF, "GPS off", "GPS 关") \
	X(STATUS_NO_GPSD_NARROW, "no gpsd: %s", "无 gpsd：%s") \
	X(STATUS_NO_GPSD, "GPS: no gpsd (%s)", "GPS：无 gpsd (%s)") \
	X(STATUS_NO_FIX, "NO FIX", "无定位") \
	X(STATUS_STALE, "STALE", "定位过时") \
	X(STATUS_SATELLITES, "sat", "星") \
	X(TERMINAL_TOO_SMALL, "Terminal too small: %dx%d or larger, please.", "终端太小：请至少 %dx%d。") \
	X(STATUS_NO_GPSD_WHY, "no gpsd (%s)", "无 gpsd（%s）") \
	X(ACCURACY_UNKNOWN_NEEDS, "accuracy unknown, form needs ±%.0f m", "精度未知，表单要求 ±%.0f 米") \
	X(ACCURACY_NEEDS, "±%.0f m, form needs ±%.0f m", "±%.0f 米，表单要求 ±%.0f 米") \
	X(MAP_TOO_SMALL, "Too small for the map.", "屏幕太小，无法显示地图。") \
	X(POSITION_NONE_WHY, "none (%s)", "无位置（%s）") \
	X(POSITION_SATELLITES, " %d sats", " %d 星") \
	X(POSITION_MANUAL_WHY, "manual (%s)", "手工输入（%s）") \
	X(POSITION_FROM_GPS, "GPS", "卫星定位") \
	X(ANSWER_REFUSED, "refused", "不接受") \
	X(ANSWER_ONE, "answer", "项") \
	X(ENTRY_ONE, "entry", "条") \
	X(TRACKS, "Tracks", "轨迹") \
	X(COMPASS_N, "N", "北") \
	X(COMPASS_NE, "NE", "东北") \
	X(COMPASS_E, "E", "东") \
	X(COMPASS_SE, "SE", "东南") \
	X(COMPASS_S, "S", "南") \
	X(COMPASS_SW, "SW", "西南") \
	X(COMPASS_W, "W", "西") \
	X(COMPASS_NW, "NW", "西北") \
	X(TRACKS_WORD, "tracks", "条轨迹") \
	X(ZONES_LEGEND, "⣿ zones ", "⣿ 巡查区域 ") \
	X(DELETE_ENTRY_AGAIN, "Delete entry %zu? F8 again deletes it.", "删除第 %zu 条？再按 F8 删除。") \
	X(ENTRIES_WORD, "entries", "条") \
	X(OUTSIDE_EVERY_GRID_CELL, "outside every grid cell", "不在任何单元网格内") \
	X(GRID_CELL, "grid cell", "单元网格") \
	X(TASKS, "Tasks", "任务") \
	X(TASKS_OPEN, "Tasks open:", "未完成任务:") \
	X(N_OVERDUE, " (%u overdue)", "（逾期 %u）") \
	X(VERIFY_INSPECTOR_DEVICE, "Verify by inspector [device]: ", "核查人 巡查员 [设备]: ") \
	X(V_SEND_VERIFY, " · V: send to verify", " · V：派遣核查") \
	X(NO_RECORD_VERIFY, "No record to verify.", "没有可核查的记录。") \
	X(TYPE_INSPECTOR_WHO_VERIFIES, "Type the inspector who verifies (and a device).", "请输入核查的巡查员（及设备）。") \
	X(SENT_VERIFY, "Sent to verify:", "已派遣核查:") \
	X(OPEN_NO_DEVICE_YET, ", open: no device yet", "，待派遣：尚无设备") \
	X(OPEN_NO_DEVICE_YET_2, "open (no device yet)", "待派遣") \
	X(ASSIGNED, "assigned", "已派遣") \
	X(DONE_AWAITING_DECISION, "done, awaiting the decision", "已处置，待审核") \
	X(CLOSED, "closed", "已结案") \
	X(REOPENED, "reopened", "已重开") \
	X(CANCELLED, "cancelled", "已取消") \
	X(DONE_AFTER_CANCEL, "done after cancel", "取消后完成") \
	X(RECORD_DID_TASK, "this record did task", "本记录完成任务") \
	X(VERIFYING, "verifying", "核查") \
	X(VERIFY, "verify", "核查") \
	X(INSPECT, "inspect", "巡查") \
	X(VERIFICATION_RECORD, "verification record", "核查记录") \
	X(CASE, "Case:", "案件:") \
	X(TASK, "Task", "任务") \
	X(VERIFIES_RECORD, "Verifies record", "核查记录") \
	X(DONE, "✓ done", "✓ 已完成") \
	X(CLOSED_2, "✓ closed", "✓ 已结案") \
	X(OVERDUE, "OVERDUE ", "逾期 ") \
	X(VERIFY_2, "verify ", "核查 ") \
	X(NO_TASKS_FROM_DEPOT, "No tasks from the depot.", "没有来自总站的任务。") \
	X(TASK_FOLLOWS_NO_RECORD, "This task follows no record held here.", "此任务没有可查看的原记录。") \
	X(TASK_DONE, "This task is done.", "此任务已完成。") \
	X(TASK_S_CHECKLIST_NOT, "This task's checklist is not on this handheld:", "此任务的检查表不在本机上：") \
	X(CHECKLISTS_UPDATED_FROM_DEPOT, "Checklists updated from the depot:", "检查表已从总站更新:") \
	X(TASKS_FROM_DEPOT, "Tasks from the depot:", "来自总站的任务:") \
	X(DECISIONS_MY_RECORDS, "Decisions on my records:", "我的记录的审核结果:") \
	X(ADD_ANOTHER_ENTER_ADD, "Add another? Enter: add or open · F8: delete · Esc: done", "再添加一条？Enter 添加或打开 · F8 删除 · Esc 完成") \
	X(ENTER_OPEN_ENTRY_ESC, "Enter: open the entry · Esc: done", "Enter 打开此条 · Esc 完成") \
	X(ADD_ENTRY, "+ add an entry", "+ 添加一条") \
	X(NO_ANSWERS_YET, "(no answers yet)", "（尚无回答）") \
	X(ZONES, "Zones", "巡查区域") \
	X(DUE_HERE, "Due here", "待巡查") \
	X(NO_FIX_2, " · no fix", " · 无定位") \
	X(HERE, "here", "就在此处") \
	X(TRACK_NOT_SAVED, "Track not saved", "轨迹未保存") \
	X(DUTY_PATROL_TRACK_RECORDED, "On duty: the patrol track is recorded", "在岗：记录巡查轨迹") \
	X(OFF_DUTY_NO_TRACK, "Off duty: no track is recorded", "离岗：不记录轨迹") \
	X(ORDINARY_DAY, "ordinary day", "平日") \
	X(SHORT_PLAN, "short of plan", "未达计划") \
	X(OVERDUE_2, "OVERDUE", "未达") \
	X(OK, "ok", "已达") \
	X(NO_PATROL_ZONES_SET, "No patrol zones: set zones = FILE in the configuration (docs/coverage.md)", "没有巡查区域：在配置中设置 zones = 文件（见 docs/coverage.md）") \
	X(DUTY, "● on duty ", "● 在岗 ") \
	X(PHOTO_NOT_IMPORTED, "Photo not imported", "照片未导入") \
	X(PHOTO_KEPT, "Photo kept.", "照片已保存。") \
	X(ALREADY_TAKING_PHOTO, "Already taking a photo.", "正在拍照。") \
	X(TAKING_PHOTO, "Taking a photo…", "正在拍照…") \
	X(PHOTO_TAKEN_KEPT, "Photo taken and kept.", "已拍照并保存。") \
	X(CAMERA_COMMAND_FAILED_EXIT, "The camera command failed (exit %s)", "拍照命令失败（退出码 %s）") \
	X(CAMERA_COMMAND_WROTE_NO, "The camera command wrote no photo.", "拍照命令没有写出照片。") \
	X(CAMERA_COMMAND_DID_NOT, "The camera command did not finish in %s s: stopped.", "拍照命令 %s 秒内未完成，已停止。") \
	X(PHOTOS_FOLDER, "Photos in the folder", "文件夹中的照片") \
	X(CANNOT_READ_PHOTO_FOLDER, "Cannot read the photo folder", "无法读取照片文件夹") \
	X(NO_PHOTO, "No photo in", "没有照片：") \
	X(NOT_YET_RECEIVED, "  (not yet received)", "  （尚未收到）") \
	X(PHOTOS, "Photos:", "照片:") \
	X(P_VIEW, "(p: view)", "（p：查看）") \
	X(PHOTO, "Photo", "照片") \
	X(NOT_YET_RECEIVED_DEPOT, "Not yet received: the depot has the record, not this photo yet.", "尚未收到：服务器已有记录，尚未收到这张照片。") \
	X(RECORD_HAS_NO_PHOTO, "This record has no photo.", "这条记录没有照片。") \
	X(PHOTOS_N, " · photos %lld", " · 照片 %lld") \
	/* end of TUI_MESSAGES */

enum tui_msg {
#define TUI_MSG_ENUM(id, en, zh) TUI_MSG_##id,
	TUI_MESSAGES(TUI_MSG_ENUM)
#undef TUI_MSG_ENUM
	TUI_MSG_COUNT
};

/*
 * The language the screens speak now: Chinese when the chosen language, or
 * else f's default (the first form's when f is NULL), is a zh one.
 */
bool tui_zh(const struct tui_app *app, const struct form *f);
/* Message id in the screens' language now.  Static. */
const char *tui_msg(const struct tui_app *app, const struct form *f, enum tui_msg id);
/*
 * Message id, a printf format (both languages take the same conversions:
 * the lint checks it), formatted into buf of size.
 */
void tui_msgf(const struct tui_app *app, const struct form *f, char *buf, size_t size,
    enum tui_msg id, ...);

#endif
